"""The pretraining corpus: real histories plus synthetic series from four sources."""

from forecastgen_pretrained.corpus.builder import SOURCES, Corpus, build_corpus

__all__ = ["SOURCES", "Corpus", "build_corpus"]
