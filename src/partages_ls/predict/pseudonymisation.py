"""CU1 suggestions: what rules find well (dates, phone numbers, e-mails, URLs, postal codes and
towns, addresses, identifiers with their labels and the NIR check key, names after a title),
each with the guide's category and its role or code type.

The words that steer the rules (titles, cue words, identifier labels, month names) are data in
``guides/predict/pseudonymisation.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from partages_ls.predict.cues import CueGroups, cue_regex, line_before
from partages_ls.predict.data import PredictData
from partages_ls.predict.lexicon import fold
from partages_ls.predict.spans import Suggestion, make, resolve_overlaps, trim

UPPER = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ"
LOWER = "a-zàâäçéèêëîïôöùûüÿœæáíóúñãõ"
NAME_WORD = rf"[{UPPER}][{LOWER}{UPPER}'’]+(?:-[{UPPER}][{LOWER}{UPPER}'’]+)*"
INITIAL = rf"[{UPPER}]\.(?:-[{UPPER}]\.)?"
PARTICLE = r"(?:de|du|des|dos|da|das|van|von|le|la|di|del|ben|el)"
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:https?://|www\.)[^\s<>«»\"]+")
PHONE = re.compile(r"(?<![\d+])(?:\+33\s?(?:\(0\)\s?)?|0)[1-9](?:[ .\-\u00a0]?\d{2}){4}(?!\d)")
NUMERIC_DATE = re.compile(r"(?<![\d/.])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/]|\.\d)")
MONTH_YEAR = re.compile(r"(?<![\d/])(0?[1-9]|1[0-2])/((?:19|20)\d{2})(?![\d/])")
YEAR = re.compile(r"(?<![\d/.,])((?:19|20)\d{2})(?![\d/,%]|\.\d)")
NIR = re.compile(r"(?<!\d)([12])\s?(\d{2})\s?(\d{2})\s?(\d{2}|2[AB])\s?(\d{3})\s?(\d{3})\s?(\d{2})(?!\d)")
CODE_AFTER_LABEL = re.compile(
    r"[\s:°=.#]*(?:n°|no|num[ée]ro)?[\s:°=.#]*([A-Z]{0,3}\d(?:[\d]| (?=\d)){4,}\d|[A-Z]{1,3}\d{4,})"
)
CITY = rf"{NAME_WORD}(?:[ -](?:{PARTICLE}|sur|sous|en|lès|les|aux|d'|l')?[ -]?{NAME_WORD})*"
POSTAL_CITY = re.compile(rf"(?<![\d\w])(\d{{5}}|2[AB]\d{{3}})[ \u00a0]+({CITY})")
POSTAL_LABEL = re.compile(r"(?i:code postal)\s*:?\s*(\d{5})(?!\d)")
PLACE_ROLES: tuple[str, ...] = ("Hopital", "Autre", "Patient")
NUMBER_ROLES: tuple[str, ...] = ("Hopital", "Autre", "Patient", "PersonnelSante")
CEDEX = re.compile(r"\s+(?:CEDEX|Cedex)\b.*$")


def nir_key_ok(digits: str) -> bool:
    """The NIR check key: 97 minus the first 13 characters modulo 97 (Corsica 2A/2B count as 19/18)."""
    body, key = digits[:13], digits[13:]
    body = body.replace("2A", "19").replace("2B", "18")
    return body.isdigit() and key.isdigit() and 97 - int(body) % 97 == int(key)


class PseudonymisationModel:
    """Rule-based CU1 suggestions."""

    def __init__(self, data: PredictData) -> None:
        self.name = data.model
        self.version = f"{data.version}+{data.digest}"
        months = "|".join(re.escape(m) for m in data.strings("months", required=True))
        seasons = "|".join(re.escape(s) for s in data.strings("seasons"))
        self.written_date = re.compile(
            rf"(?<!\w)(?:(1er|[12]\d|3[01]|0?[1-9])\s+)?({months})(?:\s+((?:19|20)\d{{2}}))?(?!\w)", re.IGNORECASE
        )
        self.season_year = re.compile(rf"(?<!\w)(?:{seasons})\s+((?:19|20)\d{{2}})(?!\d)", re.IGNORECASE)
        self.birth = cue_regex(data.strings("birth_cues"))
        self.year_cue = re.compile(
            rf"(?:^|\W)(?:{'|'.join(re.escape(fold(c)) for c in data.strings('year_cues'))})\s*$"
        )
        self.title_roles: dict[str, str] = {}
        for role, titles in data.groups("titles").items():
            self.title_roles.update({title.rstrip("."): role for title in titles})
        written = sorted((t for ts in data.groups("titles").values() for t in ts), key=len, reverse=True)
        alternatives = "|".join(re.escape(t) if t.endswith(".") else re.escape(t) + r"\.?" for t in written)
        self.titles = re.compile(rf"(?<![\w.])({alternatives})[ \u00a0]+")
        self.role_cues = CueGroups(data.groups("role_cues"))
        self.carer_after = cue_regex(data.groups("role_cues").get("PersonnelSante", []))
        place_groups = data.groups("place_cues")
        self.place_cues = {
            allowed: CueGroups({k: v for k, v in place_groups.items() if k in allowed})
            for allowed in (PLACE_ROLES, NUMBER_ROLES)
        }
        self.form_fields = [
            (re.compile(rf"^[ \t]*(?:{'|'.join(re.escape(w) for w in words)})[ \t]*:[ \t]*(.+?)[ \t]*$", re.M), label)
            for label, words in data.groups("form_fields").items()
        ]
        self.hospital_towns = cue_regex(data.strings("hospital_towns"))
        streets = "|".join(re.escape(s) for s in data.strings("street_types", required=True))
        self.address = re.compile(
            rf"(?<![\w,])(\d{{1,4}}(?:[ ]?(?:bis|ter))?,?[ ](?i:{streets})[ ][^,\n]+?)(?=,|\n|[ ]\d{{5}}|\.(?:\s|$)|$)"
            rf"|(?<!\w)((?i:lieu-dit)[ ][^,\n]+?)(?=,|\n|\.(?:\s|$)|$)"
        )
        self.identifiers = CueGroups(data.groups("identifiers"))
        self.family = cue_regex(data.strings("family_status"))

    # --- roles ------------------------------------------------------------------------------
    def _place_role(self, text: str, start: int, default: str, allowed: tuple[str, ...]) -> str:
        window = fold(text[max(0, start - 120) : start])
        window = window[window.rfind("\n\n") + 1 :]
        return self.place_cues[allowed].closest(window) or default

    # --- rules ------------------------------------------------------------------------------
    def _dates(self, text: str, folded: str) -> Iterable[Suggestion]:
        def kind(start: int, precise: bool) -> str:
            if self.birth is not None and self.birth.search(folded[max(0, start - 25) : start]):
                return "DateNaissancePatient"
            return "DateIdentifiante" if precise else "DateNonIdentifiante"

        for m in NUMERIC_DATE.finditer(text):
            if 1 <= int(m.group(1)) <= 31 and 1 <= int(m.group(3)) <= 12:
                yield make(m.start(), m.end(), kind(m.start(), True), 1.5, self.name)
        for m in MONTH_YEAR.finditer(text):
            yield make(m.start(), m.end(), kind(m.start(), False), 1.4, self.name)
        for m in self.written_date.finditer(text):
            if m.group(1) is None and m.group(3) is None:
                continue
            yield make(m.start(), m.end(), kind(m.start(), m.group(1) is not None), 1.6, self.name)
        for m in self.season_year.finditer(text):
            yield make(m.start(), m.end(), kind(m.start(), False), 1.55, self.name)
        for m in YEAR.finditer(text):
            if self.year_cue.search(folded[max(0, m.start() - 20) : m.start()]):
                yield make(m.start(), m.end(), kind(m.start(), False), 1.3, self.name)

    def _contacts(self, text: str) -> Iterable[Suggestion]:
        for m in EMAIL.finditer(text):
            start, end = trim(text, m.start(), m.end())
            role = self._place_role(text, start, "Patient", NUMBER_ROLES)
            local = fold(text[start:end])
            if role == "Patient" and any(
                w in local for w in ("secretariat", "service", "contact", "accueil", "chu", "ch-")
            ):
                role = "Hopital"
            yield make(start, end, "AdresseEmail", 2.0, self.name, RoleNUM=role)
        for m in URL.finditer(text):
            start, end = trim(text, m.start(), m.end())
            yield make(start, end, "Url", 1.9, self.name, RoleLOC="Hopital")
        for m in PHONE.finditer(text):
            role = self._place_role(text, m.start(), "Hopital", NUMBER_ROLES)
            yield make(m.start(), m.end(), "NumeroTelephone", 1.7, self.name, RoleNUM=role)

    def _places(self, text: str, folded: str) -> Iterable[Suggestion]:
        roles = PLACE_ROLES
        for m in self.address.finditer(text):
            group = 1 if m.group(1) else 2
            start, end = trim(text, m.start(group), m.end(group))
            role = self._place_role(text, start, "Patient", roles)
            yield make(start, end, "Adresse", 1.4, self.name, RoleLOC=role)
        for m in POSTAL_CITY.finditer(text):
            role = self._place_role(text, m.start(), "Patient", roles)
            yield make(m.start(1), m.end(1), "CodePostal", 1.4, self.name, RoleLOC=role)
            city = CEDEX.sub("", m.group(2))
            yield make(m.start(2), m.start(2) + len(city), "Ville", 1.35, self.name, RoleLOC=role)
        for m in POSTAL_LABEL.finditer(text):
            role = self._place_role(text, m.start(), "Patient", roles)
            yield make(m.start(1), m.end(1), "CodePostal", 1.4, self.name, RoleLOC=role)
        if self.hospital_towns is not None:
            city_after = re.compile(rf"[ \u00a0]*({CITY})")
            for cue in self.hospital_towns.finditer(folded):
                town = city_after.match(text, cue.end())
                if town:
                    yield make(town.start(1), town.end(1), "Ville", 1.3, self.name, RoleLOC="Hopital")

    def _identifiers(self, text: str, folded: str) -> Iterable[Suggestion]:
        for code, cue in self.identifiers.all(folded):
            m = CODE_AFTER_LABEL.match(text, cue.end())
            if m:
                yield make(m.start(1), m.end(1), "CodeIdentifiant", 1.8, self.name, CodeType=code)
        for m in NIR.finditer(text):
            digits = "".join(m.groups())
            if nir_key_ok(digits):
                yield make(m.start(), m.end(), "CodeIdentifiant", 1.75, self.name, CodeType="NIR")

    def _names(self, text: str) -> list[Suggestion]:
        found: list[Suggestion] = []
        word = re.compile(rf"({INITIAL}|{NAME_WORD})")
        particle = re.compile(rf"{PARTICLE}[ ](?={NAME_WORD})")
        for t in self.titles.finditer(text):
            title_role = self.title_roles[t.group(1).rstrip(".")]
            words: list[tuple[int, int]] = []
            at = t.end()
            while len(words) < 4:
                p = particle.match(text, at)
                if p and words:
                    at = p.end()
                m = word.match(text, at)
                if not m or (
                    words
                    and text[words[-1][1] : m.start()]
                    not in (
                        " ",
                        " de ",
                        " dos ",
                        " da ",
                        " du ",
                        " le ",
                        " van ",
                        " von ",
                        " des ",
                        " la ",
                        " di ",
                        " del ",
                        " ben ",
                        " el ",
                    )
                ):
                    break
                words.append((m.start(), m.end()))
                at = m.end()
                if text[at : at + 1] != " ":
                    break
                at += 1
            if not words:
                continue
            role = title_role
            if role == "Patient":
                before = re.split(r"[.;!?](?:\s|$)", fold(line_before(text, t.start(), 40)))[-1]
                after = fold(text[words[-1][1] : words[-1][1] + 30])
                cue = self.role_cues.closest(before)
                if cue is None and self.carer_after is not None and self.carer_after.search(after):
                    cue = "PersonnelSante"
                role = cue or role
            caps = [i for i, (s, e) in enumerate(words) if text[s:e].isupper() and e - s > 2]
            if len(words) == 1:
                split = 0
            elif caps:
                split = caps[0]
            else:
                split = 1
            for s, e in words[:split]:
                s, e = trim(text, s, e)
                found.append(make(s, e, "Prenom", 1.2, self.name, RolePER=role))
            if split < len(words):
                s, e = words[split][0], words[-1][1]
                found.append(make(s, e, "Nom", 1.2, self.name, RolePER=role))
        for regex, label in self.form_fields:
            for m in regex.finditer(text):
                value = m.group(1)
                if re.fullmatch(rf"(?:{NAME_WORD}|{PARTICLE})(?:[ -](?:{NAME_WORD}|{PARTICLE}))*", value):
                    found.append(make(m.start(1), m.end(1), label, 1.25, self.name, RolePER="Patient"))
        return found

    def _propagate(self, text: str, names: list[Suggestion]) -> Iterable[Suggestion]:
        """Every other occurrence of a name found after a title gets the same category and role."""
        known: dict[str, Suggestion] = {}
        for s in names:
            surface = text[s.start : s.end]
            if len(surface) > 2:
                known.setdefault(surface, s)
        if not known:
            return
        alternatives = "|".join(re.escape(k) for k in sorted(known, key=len, reverse=True))
        for m in re.finditer(rf"(?<!\w)(?:{alternatives})(?!\w)", text):
            first = known[m.group()]
            yield Suggestion(m.start(), m.end(), first.label, first.attributes, 0.8, self.name)

    def _family(self, folded: str) -> Iterable[Suggestion]:
        if self.family is not None:
            for m in self.family.finditer(folded):
                yield make(m.start(), m.end(), "SituationFamiliale", 1.0, self.name)

    def predict(self, text: str) -> list[Suggestion]:
        folded = fold(text)
        names = self._names(text)
        found = [
            *self._dates(text, folded),
            *self._contacts(text),
            *self._places(text, folded),
            *self._identifiers(text, folded),
            *names,
            *self._propagate(text, names),
            *self._family(folded),
        ]
        return resolve_overlaps(found)
