import polib

from backoffice.lib.translations import compile_catalogues


def test_compile_catalogues_writes_mo_files_that_translate(tmp_path):
    po_dir = tmp_path / "es" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    catalogue.append(polib.POEntry(msgid="Sign in", msgstr="Iniciar sesión"))
    catalogue.append(polib.POEntry(msgid="Untranslated", msgstr=""))
    catalogue.save(str(po_dir / "django.po"))

    written = compile_catalogues(tmp_path)

    assert written == [po_dir / "django.mo"]
    compiled = polib.mofile(str(po_dir / "django.mo"))
    assert {entry.msgid: entry.msgstr for entry in compiled} == {
        "Sign in": "Iniciar sesión"
    }


def test_project_spanish_catalogue_is_complete():
    from django.conf import settings

    catalogue = polib.pofile(str(settings.BASE_DIR / "locale/es/LC_MESSAGES/django.po"))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert missing == []
    assert fuzzy == []
