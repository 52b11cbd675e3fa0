"""Moving a programme: importing members with their points (as dated lots), stored credit, wallet and consents
from the system a business leaves, and exporting them in the same format (`loyalty import`, `loyalty export`,
`POST /v1/imports`)."""
