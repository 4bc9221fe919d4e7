// A typeahead multi-select (WAI-ARIA combobox with a listbox popup): type to filter,
// arrow keys to move, Enter to pick, Backspace on an empty input removes the last pick.
import { useId, useMemo, useState, type KeyboardEvent } from "react";

export interface Option {
  value: string;
  label: string;
}

interface Props {
  label: string;
  options: readonly Option[];
  selected: readonly string[];
  onChange: (values: string[]) => void;
  placeholder?: string;
  describedBy?: string;
  invalid?: boolean;
  id?: string;
}

export function MultiSelect({ label, options, selected, onChange, placeholder, describedBy, invalid, id }: Props) {
  const own = useId();
  const inputId = id ?? `${own}-input`;
  const listId = `${own}-list`;
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const byValue = useMemo(() => new Map(options.map((o) => [o.value, o])), [options]);
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    return options.filter((o) => !selected.includes(o.value) && (!q || o.label.toLowerCase().includes(q)));
  }, [options, selected, query]);

  const pick = (option: Option | undefined) => {
    if (!option) return;
    onChange([...selected, option.value]);
    setQuery("");
    setActive(0);
  };
  const remove = (value: string) => onChange(selected.filter((v) => v !== value));

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, Math.max(matches.length - 1, 0)));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === "Enter") {
      if (open && matches.length > 0) {
        e.preventDefault();
        pick(matches[active]);
      }
    } else if (e.key === "Escape") {
      setOpen(false);
    } else if (e.key === "Backspace" && query === "" && selected.length > 0) {
      remove(selected[selected.length - 1]!);
    }
  };

  const activeId = open && matches[active] ? `${listId}-${active}` : undefined;
  return (
    <div className="multiselect">
      <ul className="chips" aria-label={`${label}: selected`}>
        {selected.map((v) => (
          <li key={v} className="chip">
            {byValue.get(v)?.label ?? v}
            <button type="button" className="chip-remove" aria-label={`Remove ${byValue.get(v)?.label ?? v}`} onClick={() => remove(v)}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <input
        id={inputId}
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={activeId}
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
        autoComplete="off"
        placeholder={placeholder}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
          setActive(0);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" aria-label={label} className="listbox" hidden={!open}>
        {matches.length === 0 ? (
          <li className="muted" role="presentation">
            {options.length === 0 ? "No options available" : "No matches"}
          </li>
        ) : (
          matches.map((o, i) => (
            <li
              key={o.value}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? "active" : undefined}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(o)}
            >
              {o.label}
            </li>
          ))
        )}
      </ul>
    </div>
  );
}
