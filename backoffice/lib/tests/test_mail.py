from django.core.mail import EmailMessage

from backoffice.lib.mail import FilePerMessageBackend


def test_file_backend_writes_one_file_per_message(tmp_path):
    connection = FilePerMessageBackend(alias="files", file_path=str(tmp_path))
    messages = [
        EmailMessage(f"Subject {n}", f"Body {n}", "a@example.com", ["b@example.com"])
        for n in range(3)
    ]
    assert connection.send_messages(messages) == 3
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 3
    bodies = sorted(path.read_text() for path in files)
    assert "Subject: Subject 0" in bodies[0]
    assert "Body 2" in bodies[2]
