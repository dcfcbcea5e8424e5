"""Translate: non-English sentences into English through each language's model, alignment kept, nothing cut."""

from tasks.stages.translate.routing import candidates, route, routing_table
from tasks.stages.translate.stage import translate_articles, translate_record

__all__ = ["candidates", "route", "routing_table", "translate_articles", "translate_record"]
