/**
 * The GDAL_METADATA TIFF tag (42112) both ways: a tiny XML document of `<Item>`s, dataset-level
 * ones without `sample`, per-band ones with `sample="<0-based band>"`; `role="description"` holds
 * the band description, `role="scale"`/`"offset"` the band's scale and offset.
 *
 * ```xml
 * <GDALMetadata>
 *   <Item name="TITLE">forecast</Item>
 *   <Item name="DESCRIPTION" sample="0" role="description">t2m +6h</Item>
 * </GDALMetadata>
 * ```
 * Reference: GDAL GTiff driver, "Metadata" (https://gdal.org/drivers/raster/gtiff.html#metadata).
 */

/** One metadata item. */
export interface GdalMetadataItem {
  name: string;
  value: string;
  /** 0-based band; undefined for dataset-level items. */
  sample?: number;
  /** 'description', 'scale', 'offset', 'unittype', … */
  role?: string;
  /** Metadata domain (GDAL's default domain when undefined). */
  domain?: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${Object.keys(ENTITIES).find((k) => ENTITIES[k] === c)};`);
}

/** Parses the items of a GDAL_METADATA document; unknown markup is ignored, never thrown on. */
export function parseGdalMetadata(xml: string): GdalMetadataItem[] {
  const items: GdalMetadataItem[] = [];
  const re = /<Item\b([^>]*?)(?:\/>|>([\s\S]*?)<\/Item\s*>)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const attrs: Record<string, string> = {};
    const are = /([A-Za-z_][\w.-]*)\s*=\s*("([^"]*)"|'([^']*)')/g;
    for (let a = are.exec(m[1]); a; a = are.exec(m[1])) attrs[a[1]] = unescapeXml(a[3] ?? a[4] ?? '');
    if (attrs.name === undefined) continue;
    // GDAL escapes values twice (CPLEscapeString, then the XML serializer), and unescapes twice.
    const item: GdalMetadataItem = { name: attrs.name, value: unescapeXml(unescapeXml(m[2] ?? '')) };
    if (attrs.sample !== undefined && /^\d+$/.test(attrs.sample)) item.sample = Number(attrs.sample);
    if (attrs.role !== undefined) item.role = attrs.role;
    if (attrs.domain !== undefined) item.domain = attrs.domain;
    items.push(item);
  }
  return items;
}

/** Builds a GDAL_METADATA document (GDAL's own layout: one item per line, two-space indent). */
export function buildGdalMetadata(items: GdalMetadataItem[]): string {
  const lines = items.map((it) => {
    let attrs = ` name="${escapeXml(it.name)}"`;
    if (it.domain !== undefined) attrs += ` domain="${escapeXml(it.domain)}"`;
    if (it.sample !== undefined) attrs += ` sample="${it.sample}"`;
    if (it.role !== undefined) attrs += ` role="${escapeXml(it.role)}"`;
    return `  <Item${attrs}>${escapeXml(escapeXml(it.value))}</Item>`;
  });
  return `<GDALMetadata>\n${lines.join('\n')}\n</GDALMetadata>\n`;
}
