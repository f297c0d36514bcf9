#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v2.0 (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: update_info
short_description: The host's ksplice inventory (live updates applied, kept for boot)
version_added: "1.0.0"
description:
  - Returns what C(ksplice-view --json) reports on the managed host - the kernel as booted
    and as effective with the updates applied, whether kmod-helper is loaded, what is kept
    for boot, and every update the kernel holds with its CVEs, the version it brings, its
    signer, its functions and targets.
  - The schema is that of ksplice-view(1), section INVENTORY, C(schema_version) 1.
  - Also sets the fact C(ksplice) to the same inventory.
  - The tool is looked for in C(bin_dir), then on C(PATH), then in C(/usr/local/sbin),
    C(/usr/local/bin), C(/usr/sbin) and C(/sbin).
author:
  - ksplice project
options:
  id:
    description:
      - Return the inventory with only this update in C(inventory.updates).
    type: str
  bin_dir:
    description:
      - Directory holding C(ksplice-view), looked in first.
    type: path
notes:
  - As root it also says what is kept for boot (C(inventory.persistence)); otherwise that
    is null and no function addresses are shown.
seealso:
  - module: ksplice.live.update
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  facts:
    support: full
'''

EXAMPLES = r'''
- name: Read the inventory
  ksplice.live.update_info:
  register: ksplice_inv

- name: Show which updates are applied
  ansible.builtin.debug:
    msg: "{{ ksplice_inv.inventory.updates | map(attribute='id') | list }}"

- name: The same, from the fact
  ansible.builtin.debug:
    msg: "{{ ansible_facts.ksplice.effective.version }}"
'''

RETURN = r'''
inventory:
  description: The object C(ksplice-view --json) printed (schema_version 1).
  returned: always
  type: dict
  contains:
    schema_version:
      description: The schema's version.
      type: int
      sample: 1
    kernel:
      description: The kernel as booted (release, version, machine, build_id).
      type: dict
    effective:
      description: The kernel with the updates applied (release, version, brings).
      type: dict
    helper:
      description: Whether kmod-helper is loaded.
      type: bool
    persistence:
      description: What the next boot applies (state_dir, kept, guard_tripped, this_boot); null when not root.
      type: dict
    updates:
      description: Every update the kernel holds (id, stage, cves, brings, signer, persisted, functions, targets, ...).
      type: list
      elements: dict
applied:
  description: The ids of the updates whose stage is C(applied).
  returned: always
  type: list
  elements: str
  sample: [cmdline01]
ansible_facts:
  description: The fact C(ksplice), the same inventory.
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.ksplice.live.plugins.module_utils.ksplice import inventory


def main():
    module = AnsibleModule(
        argument_spec=dict(
            id=dict(type='str'),
            bin_dir=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    inv = inventory(module)
    if module.params['id']:
        inv['updates'] = [u for u in inv.get('updates') or [] if u.get('id') == module.params['id']]
    applied = [u.get('id') for u in inv.get('updates') or [] if u.get('stage') == 'applied']
    module.exit_json(changed=False, inventory=inv, applied=applied,
                     ansible_facts=dict(ksplice=inv))


if __name__ == '__main__':
    main()
