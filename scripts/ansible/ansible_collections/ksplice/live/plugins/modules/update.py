#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v2.0 (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: update
short_description: Apply or undo a ksplice live kernel update
version_added: "1.0.0"
description:
  - Applies a ksplice update file to the running kernel of the managed host with
    C(ksplice-apply), or undoes an applied update with C(ksplice-undo), without a reboot.
  - Idempotent. An update that is already applied (and kept for boot, when C(persist) asks
    for it) is left alone, and so is one that is not loaded when C(state=absent);
    the task then reports C(changed=false).
  - In check mode nothing is written. Whether an update would apply is asked of
    C(ksplice-view --check) (run-pre matching against the running code, signature checked
    as for an apply); a refusal fails the task with the cause C(ksplice-apply) would give.
  - A failure returns the tool's cause (its JSON error code, such as C(wrong_kernel),
    C(no_match), C(code_busy) or C(untrusted_signer)), its exit status and its message.
  - The tools are looked for in C(bin_dir), then on C(PATH), then in C(/usr/local/sbin),
    C(/usr/local/bin), C(/usr/sbin) and C(/sbin).
author:
  - ksplice project
options:
  src:
    description:
      - Path of the update file (C(ksplice-ID.tar.gz), made by C(ksplice-create)) on the
        managed host.
      - Required with C(state=present). With C(state=absent) it may name the update
        instead of C(id).
    type: path
  id:
    description:
      - The update's id. Read from the file's metadata when not given.
      - One of C(id) and C(src) is required.
    type: str
  state:
    description:
      - C(present) applies the update, C(absent) undoes it.
    type: str
    choices: [ present, absent ]
    default: present
  persist:
    description:
      - With C(state=present), keep the update for the next boots
        (C(ksplice-apply --persist)). An update already applied but not kept is then kept
        without being applied again (C(changed=true)).
    type: bool
    default: false
  forget:
    description:
      - With C(state=absent), also remove the kept copy (C(ksplice-undo --forget)), so the
        update does not come back at the next boot. An update kept but not loaded is then
        forgotten.
    type: bool
    default: false
  trust:
    description:
      - Trust store directory against which the update's signature is checked
        (C(--trust)); the tools' default is C(/etc/ksplice/trusted) when it exists.
    type: path
  no_kick:
    description:
      - Wait for threads asleep in replaced code instead of kicking them out of their
        system calls (C(--no-kick)).
    type: bool
    default: false
  bin_dir:
    description:
      - Directory holding C(ksplice-apply), C(ksplice-undo) and C(ksplice-view), looked in
        first.
    type: path
notes:
  - Needs root on the managed host (use C(become) or connect as root).
  - Supports check mode.
seealso:
  - module: ksplice.live.update_info
  - name: ksplice-apply(1), ksplice-undo(1), ksplice-view(1)
    description: The manual pages of the tools this module runs.
    link: https://example.invalid/ksplice/doc/man
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
'''

EXAMPLES = r'''
- name: Apply an update and keep it for the next boots
  ksplice.live.update:
    src: /var/tmp/ksplice-cmdline01.tar.gz
    persist: true

- name: Would it apply here? (nothing is written)
  ksplice.live.update:
    src: /var/tmp/ksplice-cmdline01.tar.gz
  check_mode: true

- name: Undo it and stop it coming back at boot
  ksplice.live.update:
    id: cmdline01
    state: absent
    forget: true
'''

RETURN = r'''
id:
  description: The update's id.
  returned: always
  type: str
  sample: cmdline01
state:
  description: The state asked for.
  returned: always
  type: str
  sample: present
action:
  description:
    - What was done (or, in check mode, would be done) - C(applied), C(kept) (applied
      already, now kept for boot), C(reversed), C(forgotten), or C(none).
  returned: always
  type: str
  sample: applied
persisted:
  description: Whether the update is kept for boot after the task.
  returned: success
  type: bool
  sample: true
cause:
  description:
    - The tool's cause, its JSON error code (C(ok) on success; on failure e.g.
      C(wrong_kernel), C(no_match), C(code_busy), C(untrusted_signer), C(has_dependents)).
  returned: always
  type: str
  sample: wrong_kernel
exit_status:
  description: The tool's exit status (see its manual page); 0 when nothing was run.
  returned: always
  type: int
  sample: 5
message:
  description: The tool's last message (its C(Done:) line, or why it refused).
  returned: when a tool ran
  type: str
  sample: "Done: update cmdline01 applied (1 function, machine paused 38 us)"
tool:
  description: The JSON object C(ksplice-apply --json) or C(ksplice-undo --json) printed.
  returned: when a tool ran and printed one
  type: dict
inventory_entry:
  description:
    - The update's entry in the host's inventory after the task (see
      M(ksplice.live.update_info)); null when the update is not loaded.
  returned: success
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.ksplice.live.plugins.module_utils.ksplice import (
    APPLY_CAUSES, find_update, inventory, kept_ids, last_json, tool, update_id_of)


def fail_from_tool(module, result, rc, out, err, what):
    """Fails the task with the cause and message the tool gave."""
    j = last_json(out)
    if j is not None:
        result['tool'] = j
        result['cause'] = j.get('cause') or APPLY_CAUSES.get(rc, 'internal')
        result['message'] = j.get('message') or err.strip()
    else:
        # No JSON (ksplice-view --check): its last line says why; warnings
        # (an unsigned file, say) come before it.
        lines = [ln for ln in (err or out or '').splitlines() if ln.strip()]
        why = lines[-1] if lines else ''
        for prefix in ('ksplice-view: update would not apply: ', 'ksplice-view: '):
            if why.startswith(prefix):
                why = why[len(prefix):]
                break
        result['cause'] = APPLY_CAUSES.get(rc, 'internal')
        result['message'] = why
    result['exit_status'] = rc
    result['action'] = 'none'
    module.fail_json(msg='%s: %s (exit %d, cause %s)' % (what, result['message'], rc, result['cause']),
                     stderr=err, **result)


def present(module, result, inv, update_id):
    src = module.params['src']
    persist = module.params['persist']
    u = find_update(inv, update_id)
    applied = u is not None and u.get('stage') == 'applied'
    kept = update_id in kept_ids(inv) or bool(u and u.get('persisted'))
    if applied and (kept or not persist):
        result.update(action='none', persisted=kept, inventory_entry=u)
        return
    result['action'] = 'kept' if applied else 'applied'
    opts = []
    if module.params['trust']:
        opts += ['--trust', module.params['trust']]
    if module.check_mode:
        if not applied:
            rc, out, err = module.run_command([tool(module, 'ksplice-view')] + opts + ['--check', src])
            if rc != 0:
                fail_from_tool(module, result, rc, out, err, 'ksplice-view --check %s' % src)
            result['message'] = 'would apply'
        result.update(changed=True, persisted=kept or persist, inventory_entry=u)
        return
    if persist:
        opts.append('--persist')
    if module.params['no_kick']:
        opts.append('--no-kick')
    rc, out, err = module.run_command([tool(module, 'ksplice-apply'), '--json'] + opts + [src])
    if rc != 0:
        fail_from_tool(module, result, rc, out, err, 'ksplice-apply %s' % src)
    j = last_json(out) or {}
    result.update(changed=True, tool=j, message=j.get('message', ''), cause=j.get('cause', 'ok'))
    after = inventory(module)
    result['inventory_entry'] = find_update(after, update_id)
    result['persisted'] = update_id in kept_ids(after) or bool(j.get('persisted'))


def absent(module, result, inv, update_id):
    forget = module.params['forget']
    u = find_update(inv, update_id)
    kept = update_id in kept_ids(inv) or bool(u and u.get('persisted'))
    if u is None and not (forget and kept):
        result.update(action='none', persisted=kept, inventory_entry=None)
        return
    result['action'] = 'reversed' if u is not None else 'forgotten'
    if module.check_mode:
        result.update(changed=True, persisted=kept and not forget, inventory_entry=u)
        return
    opts = ['--json']
    if forget:
        opts.append('--forget')
    if module.params['no_kick']:
        opts.append('--no-kick')
    rc, out, err = module.run_command([tool(module, 'ksplice-undo')] + opts + [update_id])
    if rc == 11:  # no such update: gone since we looked
        result.update(action='none', persisted=False, inventory_entry=None)
        return
    if rc != 0:
        fail_from_tool(module, result, rc, out, err, 'ksplice-undo %s' % update_id)
    j = last_json(out) or {}
    result.update(changed=True, tool=j, message=j.get('message', ''), cause=j.get('cause') or 'ok')
    after = inventory(module)
    result['inventory_entry'] = find_update(after, update_id)
    result['persisted'] = update_id in kept_ids(after)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type='path'),
            id=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            persist=dict(type='bool', default=False),
            forget=dict(type='bool', default=False),
            trust=dict(type='path'),
            no_kick=dict(type='bool', default=False),
            bin_dir=dict(type='path'),
        ),
        required_one_of=[('src', 'id')],
        required_if=[('state', 'present', ('src',))],
        supports_check_mode=True,
    )
    update_id = module.params['id'] or update_id_of(module, module.params['src'])
    result = dict(changed=False, id=update_id, state=module.params['state'],
                  cause='ok', exit_status=0)
    inv = inventory(module)
    if module.params['state'] == 'present':
        present(module, result, inv, update_id)
    else:
        absent(module, result, inv, update_id)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
