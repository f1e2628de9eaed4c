/**
 * TIFF and GeoTIFF numbers shared by our GeoTIFF reader and our COG writer: tag codes, field types
 * and their sizes, compression and predictor codes, and the GeoKey ids we use.
 *
 * Specifications: TIFF 6.0 (https://www.itu.int/itudoc/itu-t/com16/tiff-fx/docs/tiff6.pdf),
 * BigTIFF (https://www.awaresystems.be/imaging/tiff/bigtiff.html), OGC GeoTIFF 1.1
 * (https://docs.ogc.org/is/19-008r4/19-008r4.html), GDAL's private tags
 * (https://gdal.org/drivers/raster/gtiff.html).
 */

/** Tag codes we read or write. */
export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  PhotometricInterpretation: 262,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfiguration: 284,
  DateTime: 306,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
  GeoDoubleParams: 34736,
  GeoAsciiParams: 34737,
  GdalMetadata: 42112,
  GdalNodata: 42113,
} as const;

/** TIFF field types (TIFF 6.0 §2 plus BigTIFF's 64-bit types). */
export const FieldType = {
  BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, RATIONAL: 5, SBYTE: 6, UNDEFINED: 7, SSHORT: 8,
  SLONG: 9, SRATIONAL: 10, FLOAT: 11, DOUBLE: 12, IFD: 13, LONG8: 16, SLONG8: 17, IFD8: 18,
} as const;

/** Size in bytes of one value of each field type; undefined for unknown types. */
export function fieldTypeSize(type: number): number | undefined {
  switch (type) {
    case 1: case 2: case 6: case 7: return 1;
    case 3: case 8: return 2;
    case 4: case 9: case 11: case 13: return 4;
    case 5: case 10: case 12: case 16: case 17: case 18: return 8;
    default: return undefined;
  }
}

/** Compression codes and the names GDAL reports for them. */
export const COMPRESSION_NAMES: Record<number, string> = {
  1: 'NONE', 2: 'CCITTRLE', 3: 'CCITTFAX3', 4: 'CCITTFAX4', 5: 'LZW', 6: 'OJPEG', 7: 'JPEG',
  8: 'DEFLATE', 32946: 'DEFLATE', 32773: 'PACKBITS', 34887: 'LERC', 34925: 'LZMA', 50000: 'ZSTD',
  50001: 'WEBP', 50002: 'JXL', 52546: 'JXL',
};

/** Name of a compression code for messages: 'LZMA (34925)'. */
export function compressionName(code: number): string {
  return `${COMPRESSION_NAMES[code] ?? 'unknown'} (${code})`;
}

/** GeoKey ids (GeoTIFF 1.1 §7). */
export const GeoKey = {
  GTModelType: 1024,
  GTRasterType: 1025,
  GTCitation: 1026,
  GeographicType: 2048,
  GeogCitation: 2049,
  ProjectedCSType: 3072,
  PCSCitation: 3073,
} as const;

/** GTModelTypeGeoKey values. */
export const ModelType = { Projected: 1, Geographic: 2, Geocentric: 3 } as const;
/** GTRasterTypeGeoKey values. */
export const RasterType = { PixelIsArea: 1, PixelIsPoint: 2 } as const;
/** GeoKey value meaning "user-defined" (no EPSG code). */
export const USER_DEFINED = 32767;
