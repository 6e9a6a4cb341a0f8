/** An editor's image as the admin API answers it (src/assets/asset-store.ts stores it; the console reads it). */
import type { ImageType } from "./image-check.ts";

export interface StoredImage {
  hash: string;
  url: string;
  type: ImageType;
  width: number;
  height: number;
  bytes: number;
  uploadedBy: string;
  uploadedAt: string;
  /** False when the same bytes were already stored. */
  created: boolean;
}
