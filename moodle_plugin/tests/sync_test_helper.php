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


namespace local_moodle_zoho_sync;

use core_external\external_api;

/**
 * Helpers shared by the plugin's tests.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
trait sync_test_helper {
    /**
     * Calls a web-service class like the REST server does (validate, execute, clean the return).
     *
     * @param string $class short class name under local_moodle_zoho_sync\external
     * @param mixed ...$args
     * @return mixed
     */
    protected function call(string $class, ...$args) {
        $fqcn = '\\local_moodle_zoho_sync\\external\\' . $class;
        $result = $fqcn::execute(...$args);
        return external_api::clean_returnvalue($fqcn::execute_returns(), $result);
    }

    /**
     * Stores a student through the web service.
     *
     * @param string $zohoid
     * @param string $time
     * @param array $fields
     * @return array
     */
    protected function student(string $zohoid, string $time = '2026-01-01T10:00:00+03:00', array $fields = []): array {
        return $this->call('update_student', ['zoho_student_id' => $zohoid, 'zoho_modified_time' => $time] + $fields);
    }

    /**
     * Stores a class through the web service.
     *
     * @param string $zohoid
     * @param array $fields
     * @param bool $createcourse
     * @param int $expected
     * @param int $categoryid
     * @return array
     */
    protected function sclass(string $zohoid, array $fields = [], bool $createcourse = false, int $expected = 0,
            int $categoryid = 0): array {
        $class = ['zoho_class_id' => $zohoid, 'zoho_modified_time' => '2026-01-01T10:00:00+03:00'] + $fields;
        return $this->call('create_class', $class, $createcourse, $expected, $categoryid);
    }

    /**
     * A user holding only local/moodle_zoho_sync:sync (like the web-service user), set as current user.
     *
     * @return \stdClass
     */
    protected function set_sync_user(): \stdClass {
        $user = $this->getDataGenerator()->create_user();
        $roleid = create_role('Zoho sync', 'zohosynctest', '');
        assign_capability('local/moodle_zoho_sync:sync', CAP_ALLOW, $roleid, \context_system::instance()->id);
        role_assign($roleid, $user->id, \context_system::instance()->id);
        $this->setUser($user);
        return $user;
    }

    /**
     * Sets a user without the capability and expects the call to be refused.
     *
     * @param string $class
     * @param mixed ...$args
     */
    protected function assert_denied(string $class, ...$args): void {
        $this->setUser($this->getDataGenerator()->create_user());
        try {
            $this->call($class, ...$args);
            $this->fail('Expected required_capability_exception for ' . $class);
        } catch (\required_capability_exception $e) {
            $this->assertSame('nopermissions', $e->errorcode);
        }
    }
}
