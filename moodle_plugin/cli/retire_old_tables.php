<?php
// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.

/**
 * Retires (backs up to files, then drops) or restores the eight tables of the previous plugin that this one does
 * not use, so that admin/cli/check_database_schema.php is clean.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

define('CLI_SCRIPT', true);

require(__DIR__ . '/../../../config.php');
require_once($CFG->libdir . '/clilib.php');
require_once($CFG->libdir . '/ddllib.php');

use local_moodle_zoho_sync\local\old_tables;

[$options, $unrecognised] = cli_get_params(
    ['retire' => false, 'restore' => false, 'dir' => '', 'help' => false],
    ['h' => 'help']
);
if ($unrecognised) {
    cli_error('Unknown option(s): ' . implode(', ', $unrecognised));
}

$help = "Retires or restores the previous plugin's unused tables:
  " . implode(', ', old_tables::TABLES) . "

Without --retire or --restore it only lists the old tables present and their rows.

Options:
  --retire --dir=DIR   write each old table (columns, indexes, rows) to DIR/<table>.jsonl, check the files,
                       then drop the tables. DIR must exist and hold no earlier backup of them.
  --restore --dir=DIR  re-create the tables from DIR and put their rows back with their ids.
  -h, --help           this help.

Example:
  mkdir -p /var/backups/mzi-old && chown www-data /var/backups/mzi-old
  sudo -u www-data php local/moodle_zoho_sync/cli/retire_old_tables.php --retire --dir=/var/backups/mzi-old
  sudo -u www-data php admin/cli/check_database_schema.php
  # to undo: sudo -u www-data php local/moodle_zoho_sync/cli/retire_old_tables.php --restore --dir=/var/backups/mzi-old
";

if ($options['help']) {
    cli_writeln($help);
    exit(0);
}
if ($options['retire'] && $options['restore']) {
    cli_error('Give --retire or --restore, not both.');
}
if (($options['retire'] || $options['restore']) && $options['dir'] === '') {
    cli_error('--dir is required with --retire and --restore.');
}

if ($options['retire']) {
    foreach (old_tables::retire($options['dir']) as $table => $rows) {
        cli_writeln("retired $table: $rows row(s) in " . old_tables::backup_file($options['dir'], $table));
    }
    cli_writeln('Done. Keep the directory: --restore needs it.');
} else if ($options['restore']) {
    foreach (old_tables::restore($options['dir']) as $table => $rows) {
        cli_writeln("restored $table: $rows row(s)");
    }
} else {
    $present = old_tables::present();
    if (!$present) {
        cli_writeln('None of the old tables is present.');
    }
    foreach ($present as $table => $rows) {
        cli_writeln("$table: $rows row(s)");
    }
}
exit(0);
