/* global localStorage, matchMedia, document */
// Before the first paint: the stored or preferred theme, so the page never flashes. A file,
// not an inline script, so the controller's content security policy can forbid inline code.
try {
  const stored = localStorage.getItem("eventflow.theme");
  const dark = stored ? stored === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.classList.toggle("dark", dark);
} catch {
  // storage disabled: the light theme applies
}
