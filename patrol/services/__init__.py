"""Every write of the patrol app: ``units`` (units, shifts), ``places`` (patrol places from
the risk map), ``plans`` (generate, edit, publish, close), ``visits`` (check in and out)."""
