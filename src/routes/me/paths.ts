/** Where the preference centre lives (DESIGN.md "Reserved paths"). */
export const ME_PATH = "/__p13n/me";
