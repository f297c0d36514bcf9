# -*- coding: utf-8 -*-
# Shared by ksplice.live's modules: finding the ksplice tools on the managed
# host, running them, reading what they print.
# GNU General Public License v2.0 (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import tarfile

# ksplice-apply's exit statuses (ksplice-apply(1), EXIT STATUS) and the
# cause names its --json prints for them; ksplice-view --check exits with
# the same statuses but prints no JSON, so its cause comes from here.
APPLY_CAUSES = {
    2: 'usage',
    3: 'bad_file',
    4: 'not_root',
    5: 'wrong_kernel',
    6: 'no_match',
    7: 'code_busy',
    8: 'refused',
    9: 'load_failed',
    10: 'internal',
    13: 'needs_earlier',
    14: 'other_api',
    15: 'unsigned',
    16: 'bad_signature',
    17: 'untrusted_signer',
    18: 'bad_trust_store',
    19: 'lockdown',
    20: 'module_untrusted',
    21: 'redirected',
    22: 'target_absent',
    23: 'threads_stuck',
    24: 'bad_state_dir',
    25: 'earlier_not_kept',
}

# Where the tools are looked for besides PATH (an SSH session's PATH is
# often /usr/bin:/bin only).
DEFAULT_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/sbin']


def tool(module, name):
    """The path of ksplice tool NAME on the managed host; fails the task if absent."""
    dirs = list(DEFAULT_DIRS)
    if module.params.get('bin_dir'):
        dirs.insert(0, module.params['bin_dir'])
    return module.get_bin_path(name, required=True, opt_dirs=dirs)


def last_json(text):
    """The last line of TEXT that is a JSON object, parsed; None if there is none."""
    for line in reversed((text or '').splitlines()):
        line = line.strip()
        if line.startswith('{'):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def inventory(module):
    """ksplice-view --json: the host's inventory (schema_version 1)."""
    view = tool(module, 'ksplice-view')
    rc, out, err = module.run_command([view, '--json'])
    inv = last_json(out)
    if rc != 0 or inv is None:
        module.fail_json(msg='ksplice-view --json failed: %s' % (err.strip() or out.strip()),
                         rc=rc, cause='internal', stdout=out, stderr=err)
    return inv


def find_update(inv, update_id):
    """The inventory's entry for UPDATE_ID, or None."""
    for u in inv.get('updates') or []:
        if u.get('id') == update_id:
            return u
    return None


def kept_ids(inv):
    """The ids kept for boot, as far as the inventory says (root only)."""
    p = inv.get('persistence') or {}
    return list(p.get('kept') or [])


def update_id_of(module, path):
    """The ID= line of the update file's metadata."""
    try:
        with tarfile.open(path, 'r:gz') as tar:
            member = tar.extractfile('metadata')
            for line in member.read().decode('utf-8', 'replace').splitlines():
                if line.startswith('ID='):
                    return line[3:].strip()
    except (IOError, OSError, KeyError, tarfile.TarError) as e:
        module.fail_json(msg='%s: cannot read the update file: %s' % (path, e), cause='bad_file')
    module.fail_json(msg='%s: the update file names no ID' % path, cause='bad_file')
