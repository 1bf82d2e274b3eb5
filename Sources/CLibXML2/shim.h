// libxml2 as built by Debian enables ICU, whose headers clash with Foundation's own copy
// of ICU (_FoundationICU) when both are imported into one Swift file. We never touch the
// ICU-dependent fields of xmlCharEncodingHandler, so hide them from the module.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlreader.h>
