"use client";

import { useId, useMemo, useRef, useState } from "react";

import { countryName, searchCountries } from "@/lib/countries";

/** A searchable country box (ARIA combobox): type a name or code, pick with arrows and Enter. */
export function CountryPicker({ value, onChange }: { value: string; onChange: (code: string) => void }) {
  const id = useId();
  const [query, setQuery] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  const shown = query ?? (value ? `${countryName(value) ?? value} (${value})` : "");
  const options = useMemo(() => searchCountries(query ?? ""), [query]);

  const choose = (code: string) => {
    onChange(code);
    setQuery(null);
    setOpen(false);
  };

  return (
    <div className="relative space-y-1">
      <label htmlFor={id} className="block text-xs font-medium text-zinc-700">
        Country
      </label>
      <div className="flex gap-1">
        <input
          ref={input}
          id={id}
          role="combobox"
          aria-expanded={open}
          aria-controls={`${id}-list`}
          aria-autocomplete="list"
          aria-activedescendant={open && options[active] ? `${id}-opt-${options[active].code}` : undefined}
          autoComplete="off"
          placeholder="Search countries"
          value={shown}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => {
            // Let a click on an option land first.
            setTimeout(() => {
              setOpen(false);
              setQuery(null);
            }, 120);
          }}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown") {
              e.preventDefault();
              setOpen(true);
              setActive((i) => Math.min(i + 1, options.length - 1));
            } else if (e.key === "ArrowUp") {
              e.preventDefault();
              setActive((i) => Math.max(i - 1, 0));
            } else if (e.key === "Enter") {
              if (open && options[active]) {
                e.preventDefault();
                choose(options[active].code);
              }
            } else if (e.key === "Escape") {
              setOpen(false);
              setQuery(null);
            }
          }}
          className="w-full rounded-md border border-zinc-300 px-2 py-1.5 text-sm focus:border-sky-600 focus:outline-none focus:ring-2 focus:ring-sky-600/30"
        />
        {value ? (
          <button
            type="button"
            aria-label="Clear country"
            onClick={() => {
              onChange("");
              input.current?.focus();
            }}
            className="rounded-md border border-zinc-300 px-2 text-sm hover:bg-zinc-100"
          >
            ×
          </button>
        ) : null}
      </div>
      {open && options.length ? (
        <ul
          id={`${id}-list`}
          role="listbox"
          aria-label="Countries"
          className="absolute z-20 mt-1 max-h-56 w-full overflow-y-auto rounded-md border border-zinc-200 bg-white py-1 text-sm shadow-lg"
        >
          {options.map((c, i) => (
            <li
              key={c.code}
              id={`${id}-opt-${c.code}`}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(c.code);
              }}
              onMouseEnter={() => setActive(i)}
              className={`flex cursor-pointer justify-between px-2 py-1 ${i === active ? "bg-sky-50" : ""}`}
            >
              <span>{c.name}</span>
              <span className="font-mono text-xs text-zinc-500">{c.code}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
