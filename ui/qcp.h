#pragma once
// QCustomPlot's header uses Qt's keyword macros (`signals`, `foreach`, `emit`), which
// QT_NO_KEYWORDS (needed because LibTorch uses `slots` as an identifier) removes.
// Include it through here: the keywords are mapped for that header only.
#ifndef signals
#define signals Q_SIGNALS
#define TILESCOPE_QCP_SIGNALS
#endif
#ifndef foreach
#define foreach Q_FOREACH
#define TILESCOPE_QCP_FOREACH
#endif
#ifndef emit
#define emit Q_EMIT
#define TILESCOPE_QCP_EMIT
#endif
#include <qcustomplot.h>
#ifdef TILESCOPE_QCP_SIGNALS
#undef signals
#undef TILESCOPE_QCP_SIGNALS
#endif
#ifdef TILESCOPE_QCP_FOREACH
#undef foreach
#undef TILESCOPE_QCP_FOREACH
#endif
#ifdef TILESCOPE_QCP_EMIT
#undef emit
#undef TILESCOPE_QCP_EMIT
#endif
