#!/bin/sh
# The five-years measurement (README, «Cinco años de datos»), side by side: the national
# dataset of one year (ONE) and of five (FIVE), alternating, each line with the load average.
#   createdb -h 127.0.0.1 -U postgres s5_nat
#   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/s5_nat .venv/bin/python manage.py init-db
#   DATABASE_URL=... .venv/bin/python manage.py seed --scale national --years 5 --until 2026-11-30
#   ONE=s5_one FIVE=s5_nat OUT=/tmp/five_years sh bench/five_years.sh
set -eu
ONE=${ONE:-s5_one}
FIVE=${FIVE:-s5_nat}
OUT=${OUT:-/tmp/five_years}
SERVER=${SERVER:-postgresql://postgres@127.0.0.1:5432}
mkdir -p "$OUT"

run() {  # run LABEL DB ARGS...
    label=$1 db=$2
    shift 2
    echo "== $label $db $(date -u +%T) carga $(cut -d' ' -f1-3 /proc/loadavg)"
    DATABASE_URL="$SERVER/$db" .venv/bin/python -m bench "$@" >"$OUT/${label}_$db.txt" 2>&1
    echo "   fin $(date -u +%T) carga $(cut -d' ' -f1-3 /proc/loadavg)"
}

for db in "$ONE" "$FIVE"; do
    psql "$SERVER/$db" -c "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) AS total
        FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i')
        ORDER BY pg_total_relation_size(oid) DESC LIMIT 40" >"$OUT/sizes_$db.txt"
done
for db in "$ONE" "$FIVE"; do run pages30d "$db" pages --runs 10; done
for db in "$ONE" "$FIVE"; do run panorama "$db" panorama --runs 10; done
for db in "$ONE" "$FIVE"; do
    run pages1y "$db" pages --runs 3 --page casos --page paz --page clap \
        --rango personalizado --desde 2025-12-01 --hasta 2026-11-30
done
run pages3y "$FIVE" pages --runs 3 --page casos --page paz --page clap \
    --rango personalizado --desde 2023-12-01 --hasta 2026-11-30
for db in "$ONE" "$FIVE"; do
    echo "== backup $db $(date -u +%T) carga $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -f "%e s" env DATABASE_URL="$SERVER/$db" .venv/bin/python manage.py backup \
        --salida "$OUT/$db.dump" >"$OUT/backup_$db.txt" 2>&1
    tail -1 "$OUT/backup_$db.txt"
done
