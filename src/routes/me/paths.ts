/** Where the preference centre lives (README "The preference centre"). */
export const ME_PATH = "/__p13n/me";
