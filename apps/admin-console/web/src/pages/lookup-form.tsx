import { useState } from 'preact/hooks';

/** A one-field search form (role=search): submitting puts the value in the page's route. */
export function LookupForm(props: {
  label: string;
  name: string;
  initial: string;
  placeholder?: string;
  onSubmit: (value: string) => void;
}) {
  const [value, setValue] = useState(props.initial);
  const id = `lookup-${props.name}`;
  return (
    <form
      class="lookup"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim()) props.onSubmit(value.trim());
      }}
    >
      <label for={id}>
        {props.label}
        <input
          id={id}
          name={props.name}
          type="search"
          required
          spellcheck={false}
          autoComplete="off"
          placeholder={props.placeholder}
          value={value}
          onInput={(event) => setValue((event.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">Look up</button>
    </form>
  );
}
