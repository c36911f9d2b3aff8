"""Hosts generated from the function table (:mod:`xl_addin.functions`): the xlwings Lite bundle
(:mod:`.lite`), the rules a classic xlwings VBA module must obey (:mod:`.vba`) and the
LibreOffice Calc extension."""
