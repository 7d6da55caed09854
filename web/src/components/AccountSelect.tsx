import FormField from "@cloudscape-design/components/form-field";
import Select from "@cloudscape-design/components/select";

/** Which account to look in; shown only when the deployment reaches more than one. */
export function AccountSelect({
  accounts,
  value,
  onChange,
  disabled = false,
}: {
  accounts: string[] | null;
  value: string | null;
  onChange: (account: string) => void;
  disabled?: boolean;
}) {
  if (!accounts || accounts.length < 2) return null;
  return (
    <FormField label="Account">
      <Select
        disabled={disabled}
        selectedOption={value ? { value, label: value } : null}
        options={accounts.map((a, i) => ({ value: a, label: a, description: i === 0 ? "this deployment's" : undefined }))}
        onChange={({ detail }) => onChange(detail.selectedOption.value!)}
        ariaLabel="Account"
      />
    </FormField>
  );
}
