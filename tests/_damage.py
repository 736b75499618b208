"""Ways to damage an SQLite file, shared by the cache and outbox corruption tests.

`damages(fill, table)` gives callables path -> None named damage_<how>; `fill(path)` writes a
healthy store with some rows first, `table` is the store's main table (for the schema damage).
"""
import os
import sqlite3


def damages(fill, table):
    def damage_truncate_mid_file(path):
        fill(path)
        os.truncate(str(path), os.path.getsize(str(path)) // 3)

    def damage_truncate_header(path):
        fill(path)
        os.truncate(str(path), 50)

    def damage_random_bytes(path):
        path.write_bytes(os.urandom(64 * 1024))

    def damage_random_bytes_over_pages(path):
        fill(path)
        with open(str(path), "r+b") as handle:
            handle.seek(4096)
            handle.write(os.urandom(40 * 1024))

    def damage_text_file(path):
        path.write_text("this is not a database\n" * 100)

    def damage_malformed_schema(path):
        fill(path)
        conn = sqlite3.connect(str(path))
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute("UPDATE sqlite_master SET sql = 'CREATE GARBAGE (' WHERE name = ?", (table,))
        conn.commit()
        conn.close()

    def damage_directory_in_the_way(path):
        path.mkdir()
        (path / "file.txt").write_text("someone's file")

    return [damage_truncate_mid_file, damage_truncate_header, damage_random_bytes,
            damage_random_bytes_over_pages, damage_text_file, damage_malformed_schema,
            damage_directory_in_the_way]


def damage_id(damage):
    return damage.__name__[len("damage_"):]
