/**
 * ISO 3166-1 alpha-2 country codes (officially assigned), named in the
 * browser's own language data, so the list needs no translation table.
 */
const CODES =
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
  "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
  "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO " +
  "JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR " +
  "MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO " +
  "RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV " +
  "TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

export const COUNTRY_CODES: readonly string[] = CODES.split(" ");

export interface Country {
  code: string;
  name: string;
}

let cache: Country[] | null = null;

export function countries(): Country[] {
  if (cache) return cache;
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames(["en"], { type: "region" });
  } catch {
    names = null;
  }
  cache = COUNTRY_CODES.map((code) => ({ code, name: names?.of(code) ?? code })).sort((a, b) =>
    a.name.localeCompare(b.name, "en"),
  );
  return cache;
}

export function countryName(code: string): string | undefined {
  return countries().find((c) => c.code === code.toUpperCase())?.name;
}

/** Countries whose name or code matches what was typed, best matches first. */
export function searchCountries(query: string, limit = 50): Country[] {
  const q = query.trim().toLowerCase();
  if (!q) return countries().slice(0, limit);
  const fold = (s: string) => s.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
  const fq = fold(q);
  const scored = countries().flatMap((c) => {
    const name = fold(c.name);
    const code = c.code.toLowerCase();
    if (code === fq) return [{ c, score: 0 }];
    if (name.startsWith(fq)) return [{ c, score: 1 }];
    if (name.split(/[\s-]+/).some((w) => w.startsWith(fq))) return [{ c, score: 2 }];
    if (name.includes(fq)) return [{ c, score: 3 }];
    return [];
  });
  return scored.sort((a, b) => a.score - b.score).slice(0, limit).map((s) => s.c);
}
