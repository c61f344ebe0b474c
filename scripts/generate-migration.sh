#!/usr/bin/env bash
# Writes src/database/migrations/<timestamp>-<Name>.ts from the difference
# between the entities and the existing migrations, using a scratch MariaDB
# database. Usage: scripts/generate-migration.sh Name
set -euo pipefail
name=${1:?usage: scripts/generate-migration.sh Name}
cd "$(dirname "$0")/.."
db="twofold_gen_$$"
mysql -uroot -h127.0.0.1 -e "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
trap 'mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS \`$db\`"' EXIT
export DATABASE_URL="mariadb://root@127.0.0.1:3306/$db"
export APP_SECRET="$(head -c 32 /dev/urandom | base64)"
npx tsc -p tsconfig.build.json
npx tsc-alias -p tsconfig.build.json
npx typeorm migration:run -d dist/ormconfig.js >/dev/null
npx typeorm migration:generate -d dist/ormconfig.js "src/database/migrations/$name"
echo "Now append the new class to ALL_MIGRATIONS in src/database/migrations/index.ts"
