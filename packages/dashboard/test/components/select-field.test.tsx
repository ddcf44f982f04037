import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { SelectField } from "../../src/lib/form-field.tsx";

function Picker() {
  const [size, setSize] = useState<"" | "s" | "m">("");
  return (
    <>
      <SelectField
        label="Size"
        className="w-36"
        value={size}
        onChange={setSize}
        options={[{ value: "", label: "Any size" }, "s", "m"]}
      />
      <output>{size || "none"}</output>
    </>
  );
}

describe("SelectField", () => {
  it("labels a select of the options, a string being its own label, and reports the choice", async () => {
    render(<Picker />);
    const select = screen.getByLabelText("Size") as HTMLSelectElement;
    expect(select.className).toBe("input w-36");
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ["", "Any size"],
      ["s", "s"],
      ["m", "m"],
    ]);
    await userEvent.setup().selectOptions(select, "m");
    expect(select.value).toBe("m");
    expect(screen.getByRole("status").textContent).toBe("m");
  });
});
