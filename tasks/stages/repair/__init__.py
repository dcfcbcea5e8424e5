"""Repair of machine-translation artefacts in English news text, with every change recorded."""

from tasks.stages.repair.pipeline import Repaired, repair
from tasks.stages.repair.stage import repair_article, repair_articles, repair_record

__all__ = ["Repaired", "repair", "repair_article", "repair_articles", "repair_record"]
