import postgres from 'postgres';

/**
 * A new, empty database on the CI Postgres for one suite (suites run in parallel, so each gets its own).
 * Returns its URL.
 */
export async function freshPostgresDatabase(baseUrl: string, name: string): Promise<string> {
  const sql = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
