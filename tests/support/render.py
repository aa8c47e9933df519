"""Hand-made Documents and config for the render tests, golden files and benchmark.

``english()`` is a short source interview; ``german()`` is the same interview "translated"
by hand into exactly the segments the translate stage makes of it (sentences, fields, link
labels, the role), whose origin is ``engine`` (unreviewed machine text) so the
machine-translation notice shows. ``seed_document()`` splits the seed issue's interview.txt
with a few lines of code (not the real ingest) for realistic sizes in the benchmark.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from pipeline.config import IssueConfig, load_issue
from pipeline.document import Block, Document, Origin, Segment, Speaker

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "render"
ISSUE_DIR = DATA / "issue-2024-06-test"
SEED_ISSUE = ROOT / "issues" / "2024-06-belgian-presidency"


def config(**changes: object) -> IssueConfig:
    return dataclasses.replace(load_issue(ISSUE_DIR / "issue.toml"), **changes)  # type: ignore[arg-type]


ENGLISH_BLOCKS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("paragraph", None, (
        "CECOP had the chance to sit down with its member Smart and discuss the ongoing "
        "Belgian Presidency of the Council of the European Union.",
    )),
    ("note", None, (
        "European readers are regularly confronted with terms like the Austrian presidency "
        "or the Finnish Presidency of the EU. Fear not! We are here to help you navigate "
        "these institutional waters.",
        "The Council's political priorities are set by one Member State at a time for "
        "6 months each: this is the famous rotating Presidency.",
    )),
    ("intro", None, (
        "Interview with Anne-Laure Desgris (ALD), Co-CEO of the cooperative Smart Belgium, "
        "and Board member of CECOP.",
    )),
    ("question", "C", (
        "Congratulations to Smart on its 25th anniversary. What do you see as the "
        "cooperative's main achievements since its creation?",
    )),
    ("answer", "ALD", (
        "The first major achievement was the creation of Smart in 1998 in response to the "
        "needs of workers in the artistic and cultural sector.",
        "The cooperative also helps to break the isolation experienced by many freelancers.",
    )),
    ("question", "C", (
        "In June 2024, European citizens will vote in the European elections. What do you "
        "expect from the next Commission and Parliament?",
    )),
    ("answer", "ALD", (
        "We are waiting for their words to be translated into action, and for real "
        "recognition of cooperative initiatives like ours.",
    )),
    ("closing", None, ("Thank you, Anne-Laure!",)),
)  # fmt: skip

# The German translation, one entry per segment the translate stage makes of english() and
# config() (tests/data/render/issue-2024-06-test): fields, link labels, the role, then every
# sentence as pysbd splits it. german() refuses a key the stage would not make, or a missing one.
GERMAN: dict[str, str] = {
    "field.title": "Smart Belgium zum belgischen Vorsitz im Rat der EU",
    "field.subject": "Belgischer Ratsvorsitz: ein Gespräch mit Smart Belgium",
    "field.preheader": "Anne-Laure Desgris über 25 Jahre Smart, die Europawahl und das "
    "Genossenschaftsmodell.",
    "field.pull_quote": "Alternativen zu eröffnen, die langfristig denken, ist mehr als ein "
    "Gebot: Es ist ein Notfall.",
    "field.link.0": "Mehr über CECOP erfahren",
    "field.link.1": "Smart Belgium entdecken",
    "role.ALD": "Co-CEO der Genossenschaft Smart Belgium und Vorstandsmitglied von CECOP",
    "b0.p0.s0": "CECOP hatte die Gelegenheit, mit seinem Mitglied Smart über den laufenden "
    "belgischen Vorsitz im Rat der Europäischen Union zu sprechen.",
    "b1.p0.s0": "Europäische Leserinnen und Leser begegnen regelmäßig Begriffen wie dem "
    "österreichischen oder dem finnischen EU-Ratsvorsitz.",
    "b1.p0.s1": "Keine Sorge!",
    "b1.p0.s2": "Wir helfen Ihnen, sich in diesen institutionellen Gewässern zurechtzufinden.",
    "b1.p1.s0": "Die politischen Prioritäten des Rates legt jeweils ein Mitgliedstaat für sechs "
    "Monate fest: Das ist der bekannte rotierende Vorsitz.",
    "b2.p0.s0": "Interview mit Anne-Laure Desgris (ALD), Co-CEO der Genossenschaft Smart Belgium "
    "und Vorstandsmitglied von CECOP.",
    "b3.p0.s0": "Herzlichen Glückwunsch an Smart zum 25-jährigen Bestehen.",
    "b3.p0.s1": "Was sind aus Ihrer Sicht die wichtigsten Erfolge der Genossenschaft seit ihrer "
    "Gründung?",
    "b4.p0.s0": "Der erste große Erfolg war die Gründung von Smart im Jahr 1998 als Antwort auf "
    "die Bedürfnisse der Beschäftigten im Kunst- und Kultursektor.",
    "b4.p1.s0": "Die Genossenschaft hilft außerdem, die Vereinzelung vieler Selbstständiger zu "
    "durchbrechen.",
    "b5.p0.s0": "Im Juni 2024 wählen die Bürgerinnen und Bürger Europas ein neues Parlament.",
    "b5.p0.s1": "Was erwarten Sie von der nächsten Kommission und dem nächsten Parlament?",
    "b6.p0.s0": "Wir warten darauf, dass ihren Worten Taten folgen und genossenschaftliche "
    "Initiativen wie unsere endlich wirklich anerkannt werden.",
    "b7.p0.s0": "Danke, Anne-Laure!",
}
GERMAN_FIELDS = {k.removeprefix("field."): v for k, v in GERMAN.items() if k.startswith("field.")}

ROLE_EN = "Co-CEO of the cooperative Smart Belgium, and Board member of CECOP"
ROLE_DE = "Co-CEO der Genossenschaft Smart Belgium und Vorstandsmitglied von CECOP"


def english(
    blocks: tuple[tuple[str, str | None, tuple[str, ...]], ...] = ENGLISH_BLOCKS,
) -> Document:
    cfg = config()
    return Document(
        source_lang="en",
        speakers=(Speaker("C", "CECOP"), Speaker("ALD", "Anne-Laure Desgris", ROLE_EN)),
        blocks=tuple(Block(t, s, p, i + 1) for i, (t, s, p) in enumerate(blocks)),  # type: ignore[arg-type]
        fields={"title": cfg.title, "subject": cfg.subject, "preheader": cfg.preheader,
                "pull_quote": cfg.pull_quote or ""},
    )  # fmt: skip


def german(kind: str = "engine") -> Document:
    """The German Document as the translate stage builds it from GERMAN; ``kind`` is the
    origin of every segment (engine, human, ...)."""
    from pipeline.translate.segment import all_segments, assemble, split_document

    source = english()
    split = split_document(source)
    made = all_segments(config(), source, split)
    if set(GERMAN) != {key for key, _ in made}:
        raise AssertionError(f"GERMAN holds other segments than the stage makes: {made}")
    origin = (
        Origin(kind, "argos", "translate-en_de 1.0")
        if kind in ("engine", "memory")
        else Origin(kind)
    )  # type: ignore[arg-type]
    blocks, speakers, fields = assemble(source, split, GERMAN)
    return Document(
        source_lang="en",
        lang="de",
        speakers=speakers,
        blocks=blocks,
        fields=fields,
        segments=tuple(Segment(key, text, GERMAN[key], origin) for key, text in made),
    )


def with_text(doc: Document, block: int, text: str) -> Document:
    """``doc`` with block ``block``'s first paragraph replaced (for hostile-text tests)."""
    blocks = list(doc.blocks)
    blocks[block] = dataclasses.replace(
        blocks[block], paragraphs=(text, *blocks[block].paragraphs[1:])
    )
    return dataclasses.replace(doc, blocks=tuple(blocks))


# ---------------------------------------------------------------- the seed, for the benchmark

_TYPES = (
    (re.compile(r"^Readers? note:\s*", re.I), "note", None),
    (re.compile(r"^Interview with\b"), "intro", None),
    (re.compile(r"^(?:CECOP \(C\)|C):\s*"), "question", "C"),
    (re.compile(r"^(?:Anne-Laure Desgris \(ALD\)|ALD):\s*"), "answer", "ALD"),
)


def seed_document() -> Document:
    """The seed interview as a source Document: blank-line paragraphs, typed by their label;
    an unlabelled paragraph continues the block before it, the last one is the closing."""
    text = (SEED_ISSUE / "interview.txt").read_text(encoding="utf-8")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    blocks: list[Block] = [Block("paragraph", None, (paragraphs[0],))]
    for para in paragraphs[1:-1]:
        found = _classify(para)
        if found is None:
            last = blocks.pop()
            blocks.append(dataclasses.replace(last, paragraphs=(*last.paragraphs, para)))
        else:
            blocks.append(Block(found[0], found[1], (found[2],)))  # type: ignore[arg-type]
    blocks.append(Block("closing", None, (paragraphs[-1],)))
    speakers = (Speaker("C", "CECOP"), Speaker("ALD", "Anne-Laure Desgris", ROLE_EN))
    return Document("en", speakers, tuple(blocks))


def _classify(para: str) -> tuple[str, str | None, str] | None:
    for pattern, kind, speaker in _TYPES:
        if pattern.match(para):
            return kind, speaker, pattern.sub("", para) if kind != "intro" else para
    return None


def relabel(doc: Document, lang: str, script: str | None = None) -> Document:
    """``doc`` as if translated into ``lang`` (machine text); ``script`` transliterates the
    letters into Greek or Cyrillic so byte sizes resemble a real el/bg issue."""

    def convert(text: str) -> str:
        return text.translate(_SCRIPTS[script]) if script else text

    blocks = tuple(
        dataclasses.replace(b, paragraphs=tuple(convert(p) for p in b.paragraphs))
        for b in doc.blocks
    )
    origin = Origin("engine", "argos", f"translate-en_{lang} 1.9")
    segments = tuple(Segment(f"b{i}.p0.s0", "", "", origin) for i in range(len(blocks)))
    fields = {k: convert(v) for k, v in (doc.fields or {}).items()}
    return Document(
        doc.source_lang, doc.speakers, blocks, lang=lang, fields=fields, segments=segments
    )


_SCRIPTS = {
    "greek": str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                           "αβψδεφγηιξκλμνοπρστθωϝςχυζΑΒΨΔΕΦΓΗΙΞΚΛΜΝΟΠΡΣΤΘΩϜΣΧΥΖ"),
    "cyrillic": str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                              "абцдефгхийклмнопярстужвьызАБЦДЕФГХИЙКЛМНОПЯРСТУЖВЬЫЗ"),
}  # fmt: skip
