/** Light and dark themes: the user's choice in localStorage, else the system preference. */
import { Moon, Sun } from "lucide-react";
import { useState } from "react";

const KEY = "eventflow.theme";

/** The current theme, read from the document (set before the first paint by index.html). */
function current(): "dark" | "light" {
  return document.documentElement.classList.contains("dark") ? "dark" : "light";
}

/** A button that switches between light and dark. */
export function ThemeToggle() {
  const [theme, setTheme] = useState(current);
  const next = theme === "dark" ? "light" : "dark";
  const toggle = () => {
    document.documentElement.classList.toggle("dark", next === "dark");
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // storage may be disabled; the theme still applies to this page
    }
    setTheme(next);
  };
  return (
    <button
      type="button"
      onClick={toggle}
      className="btn-ghost"
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
    >
      {theme === "dark" ? <Sun aria-hidden size={18} /> : <Moon aria-hidden size={18} />}
    </button>
  );
}
