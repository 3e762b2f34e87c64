#!/bin/sh
# Lays Hotline's configuration over FreeSWITCH's vanilla config, then runs it in the foreground.
set -eu
CONF=/usr/local/freeswitch/etc/freeswitch
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
# FreeSWITCH's domain is Hotline's SIP_DOMAIN: the internal profile forces every REGISTER into $${domain},
# and Hotline's directory answers (and computes the digest realm) only for SIP_DOMAIN.
sed -i "s|data=\"domain=[^\"]*\"|data=\"domain=${SIP_DOMAIN:-hotline.local}\"|" "$CONF/vars.xml"
# WSS for browser softphones (internal profile, :7443): a certificate mounted at $CONF/tls/wss.pem
# (cert + key + chain in one PEM) is used as is; without one FreeSWITCH creates a self-signed wss.pem on
# first start (a trial: each browser must accept it once at https://<host>:7443).
mkdir -p "$CONF/tls"
[ -s "$CONF/tls/wss.pem" ] || echo "entrypoint: no $CONF/tls/wss.pem mounted; FreeSWITCH will create a self-signed one" >&2
# Prompts, voicemail and recordings are absolute paths under Hotline's MEDIA_DIR: it must be mounted here at the same path.
if [ -n "${MEDIA_DIR:-}" ] && [ ! -d "$MEDIA_DIR" ]; then echo "entrypoint: MEDIA_DIR $MEDIA_DIR is not mounted" >&2; exit 1; fi
exec /usr/local/freeswitch/bin/freeswitch -nonat -nf -c
