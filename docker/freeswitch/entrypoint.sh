#!/bin/sh
# Lays Hotline's configuration over FreeSWITCH's vanilla config, then runs it in the foreground.
set -eu
CONF=/usr/local/freeswitch/conf
cp "$CONF/overlay/event_socket.conf.xml" "$CONF/autoload_configs/event_socket.conf.xml"
sed -i "s|@ESL_PASSWORD@|${ESL_PASSWORD:?set ESL_PASSWORD}|" "$CONF/autoload_configs/event_socket.conf.xml"
cp "$CONF/overlay/xml_curl.conf.xml" "$CONF/autoload_configs/xml_curl.conf.xml"
sed -i -e "s|@HOTLINE_URL@|${HOTLINE_URL:-http://127.0.0.1:8080}|" -e "s|@XML_CURL_USER@|${XML_CURL_USER:-freeswitch}|" \
  -e "s|@XML_CURL_PASSWORD@|${XML_CURL_PASSWORD:?set XML_CURL_PASSWORD}|" "$CONF/autoload_configs/xml_curl.conf.xml"
grep -q 'mod_xml_curl' "$CONF/autoload_configs/modules.conf.xml" || \
  sed -i 's|<modules>|<modules>\n    <load module="mod_xml_curl"/>|' "$CONF/autoload_configs/modules.conf.xml"
# Hotline's contexts replace the vanilla public and default ones; agents get their own.
cp "$CONF/overlay/dialplan-hotline/public.xml" "$CONF/dialplan/public.xml"
cp "$CONF/overlay/dialplan-hotline/default.xml" "$CONF/dialplan/default.xml"
cp "$CONF/overlay/dialplan-hotline/agents.xml" "$CONF/dialplan/hotline-agents.xml"
# Hotline's globals (service-number pattern, socket target), with the socket from the environment.
sed "s|hotline_socket=[^\"]*|hotline_socket=${HOTLINE_SOCKET:-127.0.0.1:8084}|" "$CONF/overlay/dialplan-hotline/vars.xml" > "$CONF/hotline-vars.xml"
grep -q hotline-vars.xml "$CONF/vars.xml" || \
  sed -i 's|</include>|  <X-PRE-PROCESS cmd="include" data="hotline-vars.xml"/>\n</include>|' "$CONF/vars.xml"
exec /usr/local/freeswitch/bin/freeswitch -nonat -nf -c
