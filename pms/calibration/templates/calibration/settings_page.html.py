BBBBBBB BBBBBBBBBBBBBBB BBBB
BBBBB BBBBBBB
XXXX XXXXXXXXXXXXXXXXXX XXXXXXXXXXXX gettext(u'Breadcrumb') XXXX XXXXXXBBB BBBBBBBBBBBBBBBBBBBBBBXX gettext(u'Calibration sessions') XXXXXXXXXX
XXXXXXXXX
XX XXXXXXXXXXXXXX gettext(u'New sessions copy these rules; a session already prepared or running keeps its own.') XXXX
XXXXX XXXXXXXXXXXXX XXXXXXXXXXXXX
  BBBBBBBBBB
  BBBBBBB BBBBBBBBBBBBBBBBBBBB BBBB BBBBBBBBBB
  XXXX gettext(u'Distribution and nine-box') XXXXX
  XX XXXXXXXXXXXXXX gettext(u"Best grade first. Each grade's share of the people, how its quota binds, and whether the grade counts as low, medium or high performance on the nine-box (a better grade never lower than a worse one). Leave a row empty to drop it.") XXXX
  BB BBBBBBBBBBBBXXXX XXXXXXXXXXXXXXXXXXX XXXXXXXXXXXXXBBB BBBBB BB BBBBBBBBBBBBXXXXXXXBBBBBBXXXXXXBBBBB
  BBBBBBB BBBBBBBBBBBBBBBBBBBBBBBBBBBBB BBBB BBBBBBBBBBBBBBBB
  XXXX XXXXXXXXXXXXXXXXXXXXXXX XXXXXXXXXXXXXX gettext(u'Save') XXXXXXXXXXXXXXX
XXXXXXX
BBBBBBBB
