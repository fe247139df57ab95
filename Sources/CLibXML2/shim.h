#ifndef ONESOURCE_CLIBXML2_SHIM_H
#define ONESOURCE_CLIBXML2_SHIM_H
/* Debian's libxml2 enables ICU, whose types clash with Foundation's ICU copy. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
/* `xmlFree` is a global function pointer, which Swift 6 refuses to read from concurrent code. */
static inline void onesource_xml_free(void *pointer) { xmlFree(pointer); }
#endif
