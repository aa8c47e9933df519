"""Split a Document into sentence segments, offline, and put translated sentences back.

Every paragraph becomes a :class:`SplitParagraph`: its sentences and the whitespace between
them (``gaps``), so ``split.join()`` gives back the paragraph exactly, for any text. Sentence
keys are ``b{block}.p{paragraph}.s{sentence}``; issue fields are ``field.{name}`` (the title,
subject, preheader, pull quote and each ``[[links]]`` label as ``field.link.{index}``: every
text of ``issue.toml`` a reader sees) and speaker roles ``role.{speaker_id}`` (one segment
each, never split). Speaker *names* are never segments: names of people and organisations are
not translated, and neither are the organisation's name and postal address.

pysbd (``clean=False``) splits the 11 EU languages it knows; the others use a careful regex
that only breaks after ``.!?…`` followed by space and an upper-case letter, digit or opening
quote, and not after a known abbreviation, an initial or a bare number ("1. července").
Nothing is downloaded at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pysbd

from pipeline.config import IssueConfig
from pipeline.document import LIST_MARKER, Block, Document, Speaker, list_items

PYSBD_LANGUAGES = frozenset(("bg", "da", "de", "el", "en", "es", "fr", "it", "nl", "pl", "sk"))

# A run of sentence-final punctuation with any closing quotes/brackets, then whitespace.
_CLOSERS = "\"'”’»“›)]"
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»“›)\]]*(\s+)")
_OPENERS = "\"'“‘«„(¿¡"
_ABBREVIATIONS = frozenset(
    re.findall(
        r"\S+",
        "dr mr mrs ms prof st no nr vs etc e.g i.e cf fig art p pp vol ca approx inc ltd jr sr"
        " str tel hr dipl ing mag mgr doc bzw usw z.b d.h",
    )
)


@dataclass(frozen=True)
class SplitParagraph:
    """A paragraph as sentences and the whitespace around them: len(gaps) == len(sentences)+1."""

    gaps: tuple[str, ...]
    sentences: tuple[str, ...]

    def join(self, sentences: tuple[str, ...] | list[str] | None = None) -> str:
        """The paragraph with ``sentences`` (default: the source ones) in the original gaps."""
        parts = self.sentences if sentences is None else tuple(sentences)
        if len(parts) != len(self.sentences):
            raise ValueError(f"expected {len(self.sentences)} sentences, got {len(parts)}")
        out = [self.gaps[0]]
        for sentence, gap in zip(parts, self.gaps[1:], strict=True):
            out += [sentence, gap]
        return "".join(out)


@dataclass(frozen=True)
class SplitDocument:
    """A source Document's body split into sentences, addressable by (block, paragraph)."""

    paragraphs: Mapping[tuple[int, int], SplitParagraph]

    def segments(self) -> Iterator[tuple[str, str]]:
        """(key, sentence) for every body sentence, in document order."""
        for (b, p), split in self.paragraphs.items():
            for s, sentence in enumerate(split.sentences):
                yield f"b{b}.p{p}.s{s}", sentence


def split_text(text: str, lang: str) -> SplitParagraph:
    """Split one paragraph into sentences; ``result.join() == text`` always holds.

    A list (one item a line, see :func:`pipeline.document.list_items`) is split item by
    item: every sentence belongs to one item, and the markers and line breaks stay in the
    gaps, so a translation keeps the list's shape.
    """
    items = list_items(text)
    if items is not None and all(i.marker and i.text for i in items.items):
        return _split_list(text, lang)
    if not text.strip():
        return SplitParagraph((text,), ())
    if lang in PYSBD_LANGUAGES:
        split = _split_pysbd(text, lang)
        if split is not None:
            return split
    return _split_regex(text)


def _split_list(text: str, lang: str) -> SplitParagraph:
    gaps, sentences = [""], []
    for index, line in enumerate(text.split("\n")):
        marker = LIST_MARKER.match(line)
        head = line[: marker.end() + 1] if marker else ""
        item = split_text(line[len(head) :], lang)
        gaps[-1] += ("\n" if index else "") + head + item.gaps[0]
        for sentence, gap in zip(item.sentences, item.gaps[1:], strict=True):
            sentences.append(sentence)
            gaps.append(gap)
    return SplitParagraph(tuple(gaps), tuple(sentences))


def _split_pysbd(text: str, lang: str) -> SplitParagraph | None:
    """pysbd's sentences located in ``text``; None when they do not tile it (then: regex)."""
    pieces = [s.strip() for s in pysbd.Segmenter(language=lang, clean=False).segment(text)]
    gaps: list[str] = []
    sentences: list[str] = []
    cursor = 0
    for piece in filter(None, pieces):
        start = text.find(piece, cursor)
        if start < 0 or text[cursor:start].strip():
            return None
        gaps.append(text[cursor:start])
        sentences.append(piece)
        cursor = start + len(piece)
    if not sentences or text[cursor:].strip():
        return None
    return SplitParagraph((*gaps, text[cursor:]), tuple(sentences))


def _split_regex(text: str) -> SplitParagraph:
    body_start = len(text) - len(text.lstrip())
    body_end = len(text.rstrip())
    cuts = [m for m in _BOUNDARY.finditer(text, body_start, body_end) if _is_boundary(text, m)]
    gaps = [text[:body_start]]
    sentences = []
    start = body_start
    for m in cuts:
        sentences.append(text[start : m.start(1)])
        gaps.append(m.group(1))
        start = m.end(1)
    sentences.append(text[start:body_end])
    gaps.append(text[body_end:])
    return SplitParagraph(tuple(gaps), tuple(sentences))


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    following = text[match.end() : match.end() + 1]
    if not following or not (following.isupper() or following.isdigit() or following in _OPENERS):
        return False
    before = text[: match.start()].rsplit(None, 1)
    word = before[-1].lstrip(_OPENERS).lower() if before else ""
    # "Dr. Smith", "A. Desgris" and "1. července" are not sentence ends.
    single_dot = match.group(0).rstrip().rstrip(_CLOSERS) == "."
    return not single_dot or not (word in _ABBREVIATIONS or len(word) == 1 or word.isdigit())


def split_document(doc: Document) -> SplitDocument:
    """Split every paragraph of ``doc`` (in its own language) into sentences."""
    paragraphs = {
        (b, p): split_text(text, doc.lang)
        for b, block in enumerate(doc.blocks)
        for p, text in enumerate(block.paragraphs)
    }
    return SplitDocument(paragraphs)


def field_segments(config: IssueConfig) -> list[tuple[str, str]]:
    """(``field.<name>``, text) for the issue fields that are set (pull_quote is optional),
    then ``field.link.<i>`` for each link label."""
    values = {
        "title": config.title,
        "subject": config.subject,
        "preheader": config.preheader,
        "pull_quote": config.pull_quote,
        **{f"link.{i}": link.label for i, link in enumerate(config.links)},
    }
    return [(f"field.{name}", text) for name, text in values.items() if text]


def role_segments(doc: Document) -> list[tuple[str, str]]:
    """(``role.<id>``, role) for speakers with a role; names are never translated."""
    return [(f"role.{s.id}", s.role) for s in doc.speakers if s.role]


def all_segments(config: IssueConfig, doc: Document, split: SplitDocument) -> list[tuple[str, str]]:
    """Every translatable segment of an issue: fields, roles, then the body in order."""
    return [*field_segments(config), *role_segments(doc), *split.segments()]


def assemble(
    source: Document, split: SplitDocument, texts: Mapping[str, str]
) -> tuple[tuple[Block, ...], tuple[Speaker, ...], dict[str, str]]:
    """Blocks, speakers and fields rebuilt from translated ``texts`` keyed like the segments.

    Blocks and paragraphs keep the source's number and order; sentences go back into their
    paragraph's original gaps. Keys missing from ``texts`` keep the source text.
    """
    blocks = []
    for b, block in enumerate(source.blocks):
        paragraphs = []
        for p, _text in enumerate(block.paragraphs):
            para = split.paragraphs[(b, p)]
            keys = (f"b{b}.p{p}.s{s}" for s in range(len(para.sentences)))
            # A line break inside a translated sentence would turn the paragraph into a list.
            done = [texts.get(k, src) for k, src in zip(keys, para.sentences, strict=True)]
            paragraphs.append(para.join([" ".join(t.split("\n")) for t in done]))
        blocks.append(Block(block.type, block.speaker, tuple(paragraphs), block.line))
    speakers = tuple(
        Speaker(s.id, s.name, texts.get(f"role.{s.id}", s.role) if s.role else s.role)
        for s in source.speakers
    )
    fields = {
        key.removeprefix("field."): text for key, text in texts.items() if key.startswith("field.")
    }
    return tuple(blocks), speakers, fields
