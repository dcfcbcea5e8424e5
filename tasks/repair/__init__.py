"""Repair of machine-translation artefacts in English news text, with every change recorded."""

from tasks.repair.pipeline import Repaired, repair
from tasks.repair.stage import repair_article, repair_articles, repair_record

__all__ = ["Repaired", "repair", "repair_article", "repair_articles", "repair_record"]
