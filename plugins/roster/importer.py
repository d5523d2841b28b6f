"""Import and export of class lists (CSV, XLSX)."""


def import_students(stream, filename, school, user, dry_run):
    raise NotImplementedError


def export_students(path, school, class_name):
    raise NotImplementedError
