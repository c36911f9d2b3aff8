"""xl_addin: an Excel add-in for the IFX Corporation Series A Convertible Preferred Stock.

* :mod:`xl_addin.terms` -- the terms engine (pure Python, the certificate's rules);
* :mod:`xl_addin.udfs` -- the Excel functions (xlwings ``UDF Modules`` = ``xl_addin.udfs``);
* :mod:`xl_addin.cli` -- the ``xl-addin`` command.
"""

__version__ = "0.1.0"
