"""A tenant whose pipeline has a bit of everything: the dry-run API and dashboard tests share it."""

TOKEN = "sk-live-customer-token-98761234"
OVERRIDE_PASSWORD = "hunter2-override-pass-5555"


def make(admin, path, **body):
    response = admin.post(path, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def build_world(admin):
    """A channel, two topics, an end user and actions of every kind the dry run treats apart."""
    assert admin.put("/api/Customers/me", json={
        "apiBaseUrl": "https://crm.example.com/api", "apiAuthenticationType": "Bearer", "apiToken": TOKEN,
    }).status_code == 204
    mail = make(admin, "/api/Channels", name="Mail", channelType="Email")["channelID"]
    chat = make(admin, "/api/Channels", name="Chat", channelType="Chat")["channelID"]
    billing = make(admin, "/api/Topics", name="Billing")["topicID"]
    sleepy = make(admin, "/api/Topics", name="Sleepy")["topicID"]
    person = make(admin, "/api/EndUsers", firstname="Ada", lastname="Lovelace", customerRef="CRM-42",
                  uids=[{"uidType": "Email", "uid": "ada@example.com", "isPrimary": True}])["endUserID"]

    def action(name, kind, **fields):
        return make(admin, "/api/Actions", name=name, actionType=kind, **fields)["actionID"]

    ids = {
        "mail": mail, "chat": chat, "billing": billing, "sleepy": sleepy, "person": person,
        "crm": action("Update CRM", "ApiCall", apiEndpoint="/customers/{{endUser.customerRef}}", apiMethod="PUT",
                      apiHeaders='{"Accept": "application/json", "X-Api-Key": "header-secret-abcd9999"}',
                      apiBodyTemplate='{"name": "{{endUser.lastname}}", "subject": "{{message.subject}}", '
                                      '"status": "{{ticket.status}}", "x": "{{endUser.shoeSize}}"}'),
        "basic": action("Basic call", "ApiCall", apiEndpoint="https://other.example.com/hook", apiMethod="POST",
                        overrideApiAuthenticationType="Basic", overrideApiUsername="robot",
                        overrideApiPassword=OVERRIDE_PASSWORD),
        "wait": action("Wait 30", "Wait", waitSeconds=30),
        "forward": action("Forward billing", "Forward", forwardRecipients="billing@example.com, boss@example.com"),
        "off": action("Switched off", "Close", isActive=False),
        "office": action("Office hours only", "Send", actionSchedule="Mon-Fri 08:00-18:00",
                         actionScheduleTimeZoneId="Europe/Brussels"),
        "rules": action("When angry", "ReplySend", conditionalRules="the customer sounds angry"),
        "close": action("Close it", "Close"),
    }
    hook = lambda name, a, channel=None, priority=None: make(admin, "/api/HookActions", hookName=name, actionID=ids[a],
                                                           channelID=channel, priority=priority)
    # PostTopicDetection: every-channel 10, 30; Mail-only 20, 30 (ties: the every-channel link first), 5
    hook("PostTopicDetection", "wait", priority=10)
    hook("PostTopicDetection", "crm", mail, priority=20)
    hook("PostTopicDetection", "forward", priority=30)
    hook("PostTopicDetection", "off", mail, priority=30)
    hook("PostTopicDetection", "basic", mail, priority=5)
    hook("PostTopicDetection", "close", chat, priority=1)  # another channel: never on Mail
    hook("PreSpam", "office")
    hook("OnClose", "rules")
    hook("OnEndUserAdd", "close")  # not a message stage: only when asked for
    make(admin, "/api/TopicActions", topicID=billing, actionID=ids["forward"], priority=20)
    make(admin, "/api/TopicActions", topicID=billing, channelID=mail, actionID=ids["close"], priority=10)
    make(admin, "/api/TopicActions", topicID=sleepy, actionID=ids["close"])
    return ids
