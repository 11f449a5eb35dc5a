// Entry point of the signed-in pages: connect the live stream, then wire each pane.
import { connect, formatTimes } from "./live.js";
import { initList } from "./list.js";
import { initKeys } from "./keys.js";
import { initNotifications } from "./notify.js";
import { initPresence } from "./presence.js";
import { initSearchBox } from "./search.js";
import { initThreadPane } from "./thread.js";
import { initHelpdesk, initTicketFields } from "./helpdesk.js";

formatTimes();
if (document.getElementById("thread-list")) {
  initList();
  initThreadPane();
  initKeys();
  initTicketFields();
}
initHelpdesk();
initSearchBox();
initNotifications();
connect();
initPresence();
