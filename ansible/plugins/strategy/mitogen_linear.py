"""Ansible's linear strategy over Mitogen (the `mitogen` package, pinned in uv.lock).

Mitogen keeps one Python interpreter per host for the whole run and sends modules to it over
the SSH connection, instead of a new SSH command and interpreter for every task and item: in
the deploy tier, a second provision of its single host took 43 s rather than 139 s.
ansible.cfg names this file's folder, so that the strategy is found wherever the virtualenv
is, with no path written into the settings.
"""

import ansible_mitogen.loaders
import ansible_mitogen.strategy

Linear = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, Linear):
    pass
