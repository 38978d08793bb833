"""Template helpers of the directory: translated content, with its language marked."""

from django import template
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from ostoja.directory.translation import current_language, pick, pick_with_language

register = template.Library()


@register.filter
def tr(value):
    """The text in the current language (falling back to Polish, then any)."""
    return pick(value, current_language())


@register.simple_tag
def trtext(value, multiline=False, element="span", words=0):
    """Translated text, wrapped with ``lang`` when it is not in the page's language (WCAG
    3.1.2); ``multiline`` turns blank lines into paragraphs."""
    language = current_language()
    text, text_language = pick_with_language(value, language)
    if not text:
        return ""
    if words:
        text = Truncator(text).words(words)
    body = mark_safe(linebreaks(text)) if multiline else text  # noqa: S308 - linebreaks escapes
    tag = "div" if multiline else element
    if text_language and text_language != language:
        return format_html('<{} lang="{}">{}</{}>', tag, text_language, body, tag)
    if multiline:
        return format_html("<div>{}</div>", body)
    return format_html("{}", body)


@register.filter
def km(value):
    """A distance rounded for people: 0.4 -> "<1", 12.3 -> "12", 123 -> "120"."""
    if value is None:
        return ""
    if value < 1:
        return "<1"
    if value < 20:
        return f"{value:.0f}"
    return f"{round(value, -1):.0f}"
