"""The verdict as plain text for an 80-column terminal."""

import textwrap

from service.verify.services import Match

WIDTH = 80
MAX_MATCHES = 3


def render(result: dict) -> str:
    """Verdict first, then for each of the best matches: speaker, date, wording, sources."""
    verdict = result["verdict"].upper().replace("_", " ")
    lines = [*textwrap.wrap(f"{verdict}: {result['summary']}", WIDTH, subsequent_indent="  "), ""]
    lines += _wrap(f'Claimed: "{result["claimed"]["text"]}"', indent="  ")
    if result["claimed"]["speaker"]:
        known = "" if result["claimed"]["speaker_known"] else " (not on record)"
        lines.append(f"  by {result['claimed']['speaker']}{known}")
    for match in result["matches"][:MAX_MATCHES]:
        lines += ["", *_match(match)]
    lines += [f"! {warning}" for warning in result["warnings"]]
    return "\n".join(lines) + "\n"


def _match(match: Match) -> list[str]:
    quote = match.quote
    who = quote.speaker.name if quote.speaker else quote.speaker_description
    role = f" ({quote.speaker_role})" if quote.speaker_role else ""
    said = quote.said_on.isoformat() if quote.said_on else "date not recorded"
    lines = [f"{who}{role}, {said}, {quote.status} - {match.match}, score {match.score:.2f}"]
    lines += _wrap(f'"{quote.text}"', indent="  ")
    for translation in quote.translations:
        lines += _wrap(f'[{translation.lang}] "{translation.text}"', indent="  ")
    lines += [f"  differs: {d['claimed'] or '-'} -> {d['recorded'] or '-'}" for d in match.differences]
    for citation in quote.citations:
        source = citation.source
        name = ", ".join(filter(None, [source.publisher or source.title, source.agency]))
        published = f", {source.published_at.date().isoformat()}" if source.published_at else ""
        lines += _wrap(f"- {name}{published}", indent="  ", subsequent="    ")
        if source.url:
            lines.append(f"    {source.url}")
    return lines


def _wrap(text: str, indent: str, subsequent: str | None = None) -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=subsequent or indent, break_on_hyphens=False
    )
