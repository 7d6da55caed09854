import Alert from "@cloudscape-design/components/alert";
import { ApiError, errorText } from "../api/client";

/** An API failure, its code, and the fields it names. */
export function ProblemAlert({ error, header }: { error: unknown; header?: string }) {
  if (!error) return null;
  const fields = error instanceof ApiError ? error.errors : [];
  return (
    <Alert type="error" header={header ?? "The request failed"}>
      {errorText(error)}
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.field + f.code}>
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </Alert>
  );
}
