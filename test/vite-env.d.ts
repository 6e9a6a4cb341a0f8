// Vite's import.meta.glob, used to load the shared fixture corpus into workerd tests.
/// <reference types="vite/client" />
