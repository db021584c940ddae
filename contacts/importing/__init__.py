"""Bring contacts home: read exports from where they live, clean them, write them in.

An import goes through five steps, each in one place:

1. recognise (recognise.py): open files, ZIP archives and workbooks, and find the format of
   each part by its content, asking the formats in turn;
2. read (formats/, one module per source: linkedin.py reads LinkedIn): turn each record
   into a Row (row.py), bytes into text with decode.py;
3. clean (clean.py): one-line texts, a valid email, an E.164 phone, values cut to size;
4. match (match.py): find the contact each row names, in the chunk or the database;
5. write (write.py): fill what is empty, apply the consent an import may (by the rules
   of contacts/consent.py), and write it all with bulk queries (store.py).

pipeline.py runs steps 1 to 3 in batches, in a second process for a large import; jobs.py
runs a whole ImportJob (the import page, the command line and the worker call it), and
uploads.py keeps the uploaded files until then.
"""

MAX_LISTED = 1000  # of each kind of row (errors, problems, conflicts…) a report lists
