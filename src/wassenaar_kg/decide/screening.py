"""Screen party names against listed names (Entity List entries, their aliases).

Two outcomes, never a verdict of "clear":

* a **hit**: the name equals a listed primary name or alias after :func:`normalize` (score 100);
* a **possible** match: close but not equal, for a person to review (score below 100, at least
  :attr:`Screener.POSSIBLE_MIN`). An entry that is a hit is not repeated among the possible matches.

Scoring of possible matches (all on normalized strings, with the maintained ``rapidfuzz`` library):

1. **string similarity**: the larger of ``fuzz.ratio`` (normalized Indel similarity) and
   ``fuzz.token_sort_ratio`` (the same after sorting the words, so word order does not matter). Only when both
   strings have at least :data:`MIN_FUZZY_LENGTH` characters.
2. **one-letter typo**: the names have the same words except one, and that word differs by one edit
   (insertion, deletion, substitution or transposition of adjacent letters) and has at least
   :data:`MIN_TYPO_TOKEN` letters in both names: score ``POSSIBLE_MIN + 2``.
3. **containment**: every word of the shorter name is a word of the longer one (seelpeed's containment rule,
   by words): only when the shorter name has at least :data:`MIN_CONTAINED_LENGTH` characters, is at least
   :data:`MIN_LENGTH_RATIO` of the longer one's length, and the contained name carries weight: a listed name
   contained in the party name must have a word outside :data:`GENERIC_WORDS`; a party name contained in a
   listed name must have a *distinctive* word (outside :data:`GENERIC_WORDS` and found in at most
   ``max(5, 0.2 %)`` of the entries). Score ``POSSIBLE_MIN + (99 - POSSIBLE_MIN) * length ratio``.
   One-letter words in a row also count as their concatenation ("N.S.O." -> "n s o" also has "nso").

Possible-match scores are capped at 99 so that 100 always means an exact (normalized) match.

Scaling: candidates are found through a word index (normalized word -> listed names), a one-deletion index
for words not in the list (typos), and an index of each listed name by its rarest word (for containment), so a
name is compared only with the few listed names that share a word with it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from operator import itemgetter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

__all__ = [
    "CORPORATE_INITIALS",
    "CORPORATE_PHRASES",
    "CORPORATE_WORDS",
    "GENERIC_WORDS",
    "Match",
    "ScreeningResult",
    "Screener",
    "normalize",
]

#: Corporate-form words dropped wherever they occur (after punctuation became spaces). "group", "holdings",
#: "technologies" and the like are NOT dropped: they tell "Cytrox AD" from "Cytrox Holdings Zrt".
CORPORATE_WORDS = frozenset(
    """
    ltd limited llc inc incorporated corp corporation co company plc pte pty
    sa ag gmbh ad zrt kft bv nv oy ab as spa srl sarl jsc ojsc cjsc pjsc ao oao zao pao ooo llp lp
    sas sl sro kk bhd sdn tbk
    """.split()
)

#: Multi-word spellings of corporate forms, dropped wherever they occur (long forms of the words above).
CORPORATE_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(phrase.split())
    for phrase in (
        "limited liability company",
        "limited liability partnership",
        "zartkoruen mukodo reszvenytarsasag",
        "anonymi etaireia",
        "societe anonyme",
        "sa de cv",
        "otkrytoe aktsionernoe obshchestvo",
        "zakrytoe aktsionernoe obshchestvo",
        "publichnoe aktsionernoe obshchestvo",
        "aktsionernoe obshchestvo",
        "obshchestvo s ogranichennoi otvetstvennostyu",
        "obshchestvo s ogranichennoy otvetstvennostyu",
    )
)

#: Dotted abbreviations as they look after punctuation removal ("S.A." -> "s a"), dropped only at the end of
#: a name, so that initials elsewhere ("N.S.O. Group") are kept.
CORPORATE_INITIALS: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        (
            tuple(form.split())
            for form in (
                "s a", "a g", "a d", "a b", "a s", "b v", "n v", "s p a", "s r l", "s a r l", "s a s", "s l",
                "l l c", "l l p", "l p", "p l c", "p t e", "j s c", "o o o", "z r t", "k f t", "g m b h",
                "s a de c v", "s r o", "k k",
            )
        ),
        key=len,
        reverse=True,
    )
)

#: Words too common in company names to make a containment match on their own (they stay in the name).
GENERIC_WORDS = frozenset(
    """
    the of and for de la le el del der und et y da do di du van von al
    group holding holdings technology technologies tech solutions solution systems system services service
    international intl global trading trade industries industry industrial enterprises enterprise
    bank research institute university college academy center centre laboratory laboratories lab labs
    electronics electronic engineering development investment investments management consulting consultancy
    partners associates products manufacturing logistics import export general national science sciences
    software network networks security cyber communications communication equipment machinery materials
    energy shipping marine aviation aerospace defense defence trust capital new world first china chinese
    russia russian iran iranian hong kong shenzhen beijing shanghai moscow office branch department bureau
    ministry state
    """.split()
)

#: Below this many characters (either normalized string), only exact matches count.
MIN_FUZZY_LENGTH = 4
#: The contained (shorter) name must have at least this many characters ...
MIN_CONTAINED_LENGTH = 6
#: ... and at least this fraction of the longer name's length.
MIN_LENGTH_RATIO = 0.34
#: Both words of a one-edit typo must have at least this many letters.
MIN_TYPO_TOKEN = 5
#: Possible-match scores stay below 100 (reserved for exact normalized matches).
MAX_POSSIBLE = 99.0

_PHRASES_BY_FIRST_WORD: dict[str, list[tuple[str, ...]]] = {}
for _phrase in CORPORATE_PHRASES:
    _PHRASES_BY_FIRST_WORD.setdefault(_phrase[0], []).append(_phrase)

_TRANSLIT = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
_NON_ALNUM = re.compile(r"[\W_]+")


def _words(name: str) -> list[str]:
    if name.isascii():  # nothing to decompose or transliterate: the common case, about 3x faster
        text = name.lower().replace("&", " and ")
    else:
        text = unicodedata.normalize("NFKD", name)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = text.casefold().translate(_TRANSLIT).replace("&", " and ")
    text = _APOSTROPHES.sub("", text)  # "O'Brien" -> "obrien", not "o brien"
    return _NON_ALNUM.sub(" ", text).split()


def _drop_corporate(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase in _PHRASES_BY_FIRST_WORD.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            if words[i] not in CORPORATE_WORDS:
                out.append(words[i])
            i += 1
    changed = True
    while changed and out and len(out[-1]) == 1:  # every dotted form ends with a one-letter word
        changed = False
        for form in CORPORATE_INITIALS:
            if len(out) > len(form) and tuple(out[-len(form) :]) == form:
                del out[-len(form) :]
                changed = True
                break
    return out


def normalize(name: str) -> str:
    """Fold a name for comparison.

    Unicode NFKD with combining marks (diacritics) dropped, a few unmarked letters spelled out (ø, ł, æ ...),
    casefold, '&' -> ' and ', apostrophes removed, every other non-alphanumeric character -> space, corporate
    forms dropped (:data:`CORPORATE_WORDS` anywhere, :data:`CORPORATE_PHRASES` anywhere,
    :data:`CORPORATE_INITIALS` at the end), whitespace collapsed. If dropping corporate forms would leave
    nothing ("Ltd", "S.A."), they are kept.
    """
    words = _words(name)
    kept = _drop_corporate(words)
    return " ".join(kept or words)


@dataclass(frozen=True)
class Match:
    entry: str  # the candidate id given to the Screener (an IRI string)
    listed_name: str  # the entry's primary name
    matched_name: str  # the primary name or alias that matched, as listed
    score: float  # 0..100; 100 only for exact normalized matches


@dataclass(frozen=True)
class ScreeningResult:
    hits: tuple[Match, ...]
    possible: tuple[Match, ...]

    def __bool__(self) -> bool:
        return bool(self.hits or self.possible)


_EMPTY = ScreeningResult((), ())


class Screener:
    """Screen names against candidates ``(entry id, primary name, aliases)``; results are memoised per name."""

    #: Lowest score of a possible match. fuzz.ratio >= 88 allows one inserted or deleted letter in a name of
    #: 5+ characters, one substituted letter in a name of 9+ characters, about one letter in eight beyond that
    #: ("Positive Technology" / "Positive Technologies" and "n s o group" / "nso group" both score 90), and
    #: rejects a one-letter change in a short name ("acme" / "acma" 75), where it is as likely another party.
    POSSIBLE_MIN: float = 88.0

    def __init__(self, candidates: Iterable[tuple[str, str, Sequence[str]]]):
        entry_ids: list[str] = []
        primaries: list[str] = []
        entry_names: list[list[str]] = []
        by_id: dict[str, int] = {}
        for entry_id, primary, aliases in candidates:
            if aliases is None:
                aliases = []
            elif isinstance(aliases, str):
                aliases = [aliases]
            if entry_id in by_id:  # the same entry given twice: merge its names
                entry_names[by_id[entry_id]].extend([primary, *aliases])
                continue
            by_id[entry_id] = len(entry_ids)
            entry_ids.append(str(entry_id))
            primaries.append(primary)
            entry_names.append([primary, *aliases])
        self._entry_ids = entry_ids
        self._primaries = primaries

        # Distinct normalized names; each maps to the entries having it (with the listed spelling, primary first).
        self._index_of: dict[str, int] = {}
        self._names: list[str] = []
        self._owners: list[dict[int, str]] = []
        for entry, names in enumerate(entry_names):
            for listed in names:
                if not listed or not listed.strip():
                    continue
                norm = normalize(listed)
                if not norm:
                    continue
                i = self._index_of.get(norm)
                if i is None:
                    i = self._index_of[norm] = len(self._names)
                    self._names.append(norm)
                    self._owners.append({})
                self._owners[i].setdefault(entry, listed)
        self._sorted_words = [tuple(sorted(n.split())) for n in self._names]
        self._sorted_names = [" ".join(words) for words in self._sorted_words]
        self._token_sets = [frozenset(words) for words in self._sorted_words]
        self._lengths = [len(n) for n in self._names]

        postings: dict[str, list[int]] = {}
        entries_with: dict[str, set[int]] = {}
        for i, tokens in enumerate(self._token_sets):
            for token in tokens:
                postings.setdefault(token, []).append(i)
                entries_with.setdefault(token, set()).update(self._owners[i])
        # Postings sorted by name length, so that a length window is two bisections.
        for token, ids in postings.items():
            ids.sort(key=lambda i: (self._lengths[i], i))
        self._postings = postings
        self._posting_lengths = {token: [self._lengths[i] for i in ids] for token, ids in postings.items()}
        self._df = {token: len(entries) for token, entries in entries_with.items()}
        self._distinctive_df = max(5, int(0.002 * len(entry_ids)))
        # A listed name is contained in a party name only if the party name has the listed name's rarest word.
        self._by_rarest: dict[str, list[int]] = {}
        self._weighty: list[bool] = []
        for i, tokens in enumerate(self._token_sets):
            rarest = min(tokens, key=lambda t: (self._df[t], t))
            self._by_rarest.setdefault(rarest, []).append(i)
            self._weighty.append(any(t not in GENERIC_WORDS for t in tokens))
        # One-deletion index of listed words (SymSpell-style) to reach listed names through a typo.
        self._deletions: dict[str, list[str]] = {}
        for token in postings:
            if len(token) >= MIN_TYPO_TOKEN:
                for variant in _deletes(token):
                    self._deletions.setdefault(variant, []).append(token)
        # Words so common that their postings are not scanned for string similarity when the name has rarer ones.
        self._frequent = max(200, len(self._names) // 50)
        self._cache: dict[str, ScreeningResult] = {}
        self._neighbour_cache: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self._entry_ids)

    def screen(self, name: str) -> ScreeningResult:
        """Hits and possible matches for one name (the same object for the same raw name)."""
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache[name] = self._screen(name)
        return cached

    # ------------------------------------------------------------------------------------------- internals

    def _screen(self, name: str) -> ScreeningResult:
        if not name or not name.strip():
            return _EMPTY
        query = normalize(name)
        if not query:
            return _EMPTY
        words = query.split()
        joined = words + _initials(words)  # "n s o group" also has the word "nso"
        qset = set(joined)

        scores: dict[int, float] = {}

        def offer(i: int, score: float) -> None:
            if score > scores.get(i, 0.0):
                scores[i] = score

        exact = self._index_of.get(query)

        # Candidates for string similarity: listed names sharing a word (or a one-edit neighbour of a word) and
        # of a length that can reach POSSIBLE_MIN (fuzz.ratio <= 200 * shorter / (sum of lengths)).
        qlen = len(query)
        reach = self.POSSIBLE_MIN / (200.0 - self.POSSIBLE_MIN)
        low, high = math.ceil(qlen * reach - 1e-9), math.floor(qlen / reach + 1e-9)
        typos: list[tuple[str, str]] = []
        for token in words:
            if token not in self._postings and len(token) >= MIN_TYPO_TOKEN:
                typos.extend((token, neighbour) for neighbour in self._neighbours(token))
        slices = []
        for token in sorted(qset.union(n for _, n in typos)):
            ids = self._postings.get(token)
            if ids:
                lengths = self._posting_lengths[token]
                start, stop = bisect_left(lengths, low), bisect_right(lengths, high)
                if stop > start:
                    slices.append((stop - start, token, ids, start, stop))
        slices.sort(key=lambda s: (s[0], s[1]))
        candidates: set[int] = set()
        for size, _, ids, start, stop in slices:
            if size <= self._frequent or not candidates:
                candidates.update(ids[start:stop])
        candidates.discard(exact)  # type: ignore[arg-type]

        if candidates and len(query) >= MIN_FUZZY_LENGTH:
            order = list(candidates)
            pick = itemgetter(*order)
            choices = pick(self._names) if len(order) > 1 else (self._names[order[0]],)
            for _, score, k in process.extract(
                query, choices, scorer=fuzz.ratio, score_cutoff=self.POSSIBLE_MIN, limit=None
            ):
                if len(choices[k]) >= MIN_FUZZY_LENGTH:
                    offer(order[k], score)
            sorted_query = " ".join(sorted(words))
            sorted_choices = pick(self._sorted_names) if len(order) > 1 else (self._sorted_names[order[0]],)
            for _, score, k in process.extract(
                sorted_query, sorted_choices, scorer=fuzz.ratio, score_cutoff=self.POSSIBLE_MIN, limit=None
            ):
                if len(choices[k]) >= MIN_FUZZY_LENGTH:
                    offer(order[k], score)

        # One-letter typo in one word, all other words equal.
        typo_score = min(self.POSSIBLE_MIN + 2.0, MAX_POSSIBLE)
        for token, neighbour in typos:
            if OSA.distance(token, neighbour, score_cutoff=1) > 1:
                continue
            fixed = tuple(sorted(neighbour if w == token else w for w in words))
            for i in self._postings[neighbour]:
                if i != exact and self._sorted_words[i] == fixed:
                    offer(i, typo_score)

        # Containment, listed name inside the party name: look up listed names by their rarest word.
        for token in sorted(qset):
            for i in self._by_rarest.get(token, ()):
                if i == exact or not self._weighty[i] or not self._token_sets[i] <= qset:
                    continue
                clen = self._lengths[i]
                if MIN_CONTAINED_LENGTH <= clen < qlen and clen / qlen >= MIN_LENGTH_RATIO:
                    if _contains(joined, self._sorted_words[i]):
                        offer(i, self._containment_score(clen / qlen))
        # Containment, party name inside a listed name: only for a party name with a distinctive word.
        if qlen >= MIN_CONTAINED_LENGTH and all(t in self._postings for t in words):
            if any(t not in GENERIC_WORDS and self._df[t] <= self._distinctive_df for t in words):
                rarest = min(words, key=lambda t: (self._df[t], t))
                wordset = set(words)
                for i in self._postings[rarest]:
                    clen = self._lengths[i]
                    if i != exact and clen > qlen and qlen / clen >= MIN_LENGTH_RATIO and wordset <= self._token_sets[i]:
                        if _contains(self._sorted_words[i], words):
                            offer(i, self._containment_score(qlen / clen))

        hits = self._matches({exact: 100.0} if exact is not None else {}, 100.0)
        hit_entries = {m.entry for m in hits}
        possible = [m for m in self._matches(scores, MAX_POSSIBLE) if m.entry not in hit_entries]
        return ScreeningResult(tuple(hits), tuple(possible))

    def _containment_score(self, length_ratio: float) -> float:
        return self.POSSIBLE_MIN + (MAX_POSSIBLE - self.POSSIBLE_MIN) * length_ratio

    def _neighbours(self, token: str) -> list[str]:
        """Listed words one deletion apart from `token` (either way), i.e. within about one edit (memoised:
        the words of party names repeat far more than the names do)."""
        cached = self._neighbour_cache.get(token)
        if cached is None:
            cached = self._neighbour_cache[token] = self._find_neighbours(token)
        return cached

    def _find_neighbours(self, token: str) -> list[str]:
        found: set[str] = set(self._deletions.get(token, ()))  # token = listed word minus a letter
        for variant in _deletes(token):
            if variant in self._postings:  # listed word = token minus a letter
                found.add(variant)
            found.update(self._deletions.get(variant, ()))  # substitution / transposition
        return sorted(t for t in found if len(t) >= MIN_TYPO_TOKEN and t != token)

    def _matches(self, scores: dict[int, float], cap: float) -> list[Match]:
        """One match per entry: its best-scoring name (ties: the primary name, then the alphabetically first)."""
        best: dict[int, tuple[float, int, str]] = {}
        for i, score in scores.items():
            score = round(min(score, cap), 1)
            for entry, listed in self._owners[i].items():
                rank = (score, int(listed == self._primaries[entry]), listed)
                current = best.get(entry)
                if current is None or rank[:2] > current[:2] or (rank[:2] == current[:2] and listed < current[2]):
                    best[entry] = rank
        matches = [
            Match(self._entry_ids[entry], self._primaries[entry], listed, score)
            for entry, (score, _, listed) in best.items()
        ]
        matches.sort(key=lambda m: (-m.score, m.listed_name, m.entry, m.matched_name))
        return matches


def _contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    """Every word of `shorter` is in `longer`, as often as it occurs (a multiset inclusion)."""
    return not Counter(shorter) - Counter(longer)


def _deletes(token: str) -> set[str]:
    return {token[:k] + token[k + 1 :] for k in range(len(token))}


def _initials(words: list[str]) -> list[str]:
    """Runs of two or more one-letter words, joined ("n s o group" -> ["nso"])."""
    runs: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) >= 2:
            runs.append("".join(run))
        run = []
    return runs
