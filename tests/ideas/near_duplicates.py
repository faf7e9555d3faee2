"""Realistic near-duplicate ideas, for the "similar ideas" quality bar.

Each pair is an idea as one person posted it and the same idea as someone else might type it
later: different words, spelling and tone, sharing only some content words (as real repeats do).
The distractors are other plausible ideas, several deliberately sharing words with the pairs
(appointments, the cafe, the garden, carers, medication, nights) so ranking has to do real work.
"""

from typing import NamedTuple


class Text(NamedTuple):
    title: str
    description: str


class Pair(NamedTuple):
    original: Text
    duplicate: Text


PAIRS: list[Pair] = [
    Pair(
        Text(
            "Evening quiet space on the ward",
            "The lounge gets very loud after tea with the TV on. It would help to have a quiet "
            "room in the evenings where people can read or just sit without the noise.",
        ),
        Text(
            "somewhere calm to sit at night on willow ward",
            "after dinner the day room is noisy and theres nowhere calm to go. a quiet room to "
            "sit in at night would really help me",
        ),
    ),
    Pair(
        Text(
            "Text message reminders for appointments",
            "I have missed appointments with the community team because the letter arrived "
            "late. A text reminder the day before would help a lot of people.",
        ),
        Text(
            "Send a text before my appointment",
            "Letters sometimes come after the date. Could you text people to remind them about "
            "their appointment the day before?",
        ),
    ),
    Pair(
        Text(
            "Healthier food at the hospital cafe",
            "The cafe mostly sells crisps, chocolate and pastries. Some fruit, salads and "
            "healthier snacks would help people trying to look after their physical health.",
        ),
        Text(
            "more fruit and salad in the cafe",
            "everything in the cafe is chocolate or cakes. please sell fruit and healthy snacks, "
            "a lot of us are trying to lose the weight we put on from medication",
        ),
    ),
    Pair(
        Text(
            "Phone chargers for patients to borrow",
            "Lots of people arrive without a charger and their phone dies, so they lose contact "
            "with family. Could the ward keep some chargers people can borrow?",
        ),
        Text(
            "Borrowing a charger when you are admitted",
            "my phone ran out of battery when i was admitted and i couldnt ring my mum for two "
            "days. wards should have chargers that patients can borrow",
        ),
    ),
    Pair(
        Text(
            "Longer visiting hours at weekends",
            "Visiting finishes at 8pm but many families work all week. Longer visiting at "
            "weekends would mean more people get to see their relatives.",
        ),
        Text(
            "Let families visit later on Saturdays and Sundays",
            "I work full time and can only visit my son at the weekend, and the visiting hours "
            "are too short. Please extend them.",
        ),
    ),
    Pair(
        Text(
            "Daily access to the garden for fresh air",
            "Patients can only go into the garden when staff are free to unlock it. Set times "
            "every day for garden access would help people get fresh air.",
        ),
        Text(
            "garden is locked most of the day",
            "we hardly get outside because the garden door is always locked. could there be "
            "fixed times when it is open so we can get some fresh air",
        ),
    ),
    Pair(
        Text(
            "Explain medication side effects clearly",
            "When I started new medication nobody told me about the side effects. A simple "
            "leaflet and a chat with the pharmacist would help.",
        ),
        Text(
            "Nobody told me what the tablets would do",
            "I put on weight and felt sleepy all the time and didnt know it was the medication. "
            "Staff should explain side effects before you start anything new.",
        ),
    ),
    Pair(
        Text(
            "Involve carers in discharge planning",
            "As a carer I found out my daughter was being discharged the same morning. Carers "
            "should be involved in planning discharge so we can be ready at home.",
        ),
        Text(
            "Tell the family before someone leaves hospital",
            "My husband was discharged with no warning to me at all. Families and carers need "
            "to be part of the discharge plan.",
        ),
    ),
    Pair(
        Text(
            "Support while waiting for therapy",
            "I have been waiting nine months for psychological therapy. While people wait there "
            "should at least be a group or regular check-in calls.",
        ),
        Text(
            "stuck on the waiting list for talking therapy",
            "the wait for therapy is so long. could there be something in the meantime like a "
            "group, or someone who calls to check how you are",
        ),
    ),
    Pair(
        Text(
            "Gym sessions for inpatients",
            "Exercise really helps my mood but there is nothing on the ward. Regular gym "
            "sessions or a walking group would make a big difference.",
        ),
        Text(
            "Exercise while on the ward",
            "could we use the gym or have a walking group? theres no way to get any exercise in "
            "here and it really affects your mood",
        ),
    ),
    Pair(
        Text(
            "Signs and leaflets in other languages",
            "Families who do not speak English struggle to find their way around. Signs and "
            "leaflets in the main local languages would help.",
        ),
        Text(
            "Translate the signs at reception",
            "my nan only speaks Punjabi and couldnt understand any of the signs or leaflets at "
            "reception. please translate them into the languages people here speak",
        ),
    ),
    Pair(
        Text(
            "Better wifi for patients",
            "The wifi on the ward keeps dropping and does not reach the bedrooms. Good internet "
            "would help people keep in touch with family and do online courses.",
        ),
        Text(
            "Internet does not work in the bedrooms",
            "the wifi signal is terrible and cuts out all the time, especially in the bedrooms. "
            "I need it to video call my kids",
        ),
    ),
    Pair(
        Text(
            "A peer support worker on every ward",
            "Talking to someone who has been through it themselves helped me more than "
            "anything. Every ward should have a peer support worker.",
        ),
        Text(
            "People with lived experience to talk to",
            "it would help to talk to someone who has been a patient too and got better. could "
            "peer workers come onto the ward",
        ),
    ),
    Pair(
        Text(
            "Quieter night checks",
            "The hourly checks at night use a bright torch and the door bangs. Quieter checks "
            "would help people sleep.",
        ),
        Text(
            "Torch in my face every hour",
            "I cant sleep because the night checks are so noisy and they shine a light in your "
            "face. can staff do the checks more quietly",
        ),
    ),
    Pair(
        Text(
            "Answer the crisis line faster",
            "I rang the crisis line and waited over 40 minutes. When you are in crisis that is "
            "far too long to wait for someone to answer.",
        ),
        Text(
            "Waited ages for the crisis team to pick up",
            "calling the crisis number at night you can be on hold for ages. it needs more "
            "people answering the phone",
        ),
    ),
    Pair(
        Text(
            "Free parking for carers and visitors",
            "Parking charges add up when you visit every day. Carers and regular visitors "
            "should get free or cheaper parking.",
        ),
        Text(
            "Car park costs for families",
            "I visit my wife every day and the car park charges cost me a fortune. could "
            "families who visit daily get a free parking permit",
        ),
    ),
    Pair(
        Text(
            "Activities at weekends",
            "There are groups during the week but nothing at weekends, which feel long and "
            "boring. Some weekend activities like games or films would help.",
        ),
        Text(
            "Saturdays and Sundays are so boring",
            "nothing happens at the weekend on the ward, no groups and no activities. even a "
            "film or some board games would be good",
        ),
    ),
    Pair(
        Text(
            "Keep the same care coordinator",
            "My care coordinator has changed four times in a year. Every time I have to tell my "
            "story again. Keeping the same person would build trust.",
        ),
        Text(
            "Stop changing my care coordinator",
            "ive had so many different coordinators and i have to repeat my whole story to each "
            "new one. please let people keep the same one",
        ),
    ),
    Pair(
        Text(
            "A private space to phone family",
            "The only phone is in the corridor where everyone can hear. A private room to make "
            "calls would help people talk openly.",
        ),
        Text(
            "Somewhere private to make phone calls",
            "everyone can hear your conversation on the ward phone. a private room for calls to "
            "family or your solicitor would be much better",
        ),
    ),
    Pair(
        Text(
            "Welcome pack for new patients",
            "On my first day I did not know the rules, the meal times or who my named nurse "
            "was. A welcome pack would help new patients settle in.",
        ),
        Text(
            "Welcome booklet when you are admitted",
            "when you arrive on the ward nobody explains anything. a booklet with mealtimes, the "
            "rules and who your named nurse is would really help",
        ),
    ),
]

DISTRACTORS: list[Text] = [
    Text(
        "More variety for vegetarians at dinner",
        "The vegetarian choice is the same pasta bake most nights. A few different vegetarian "
        "meals each week would be nice.",
    ),
    Text(
        "Music group on the ward",
        "A weekly music session where people can play instruments or listen to music together "
        "would lift everyone's spirits.",
    ),
    Text(
        "Art supplies for the activity room",
        "The paints and paper in the activity room have run out. Restocking art supplies would "
        "let people be creative.",
    ),
    Text(
        "Lockers for personal belongings",
        "Things go missing from bedrooms. Lockable lockers would help people keep their "
        "belongings safe.",
    ),
    Text(
        "Online booking for clinic appointments",
        "Let people choose and change their outpatient clinic appointment online instead of "
        "phoning during office hours.",
    ),
    Text(
        "Keep the cafe open later",
        "The cafe shuts at 3pm, so visitors who come after work cannot get a drink. Opening "
        "until 7pm would help.",
    ),
    Text(
        "Discharge medication ready on time",
        "People wait hours on the day they leave because the pharmacy has not sent their "
        "medication. It should be ready the day before.",
    ),
    Text(
        "Shade and benches in the garden",
        "In summer there is no shade in the garden. A few benches under a shelter would let "
        "people sit outside comfortably.",
    ),
    Text(
        "A support group for carers",
        "Carers need somewhere to meet other carers and share what helps. A monthly evening "
        "group would be welcome.",
    ),
    Text(
        "Easy read version of the website",
        "The trust website is hard to follow. An easy read version with pictures would help "
        "people with learning disabilities.",
    ),
    Text(
        "Pet therapy visits",
        "A therapy dog visiting once a week would be calming and something to look forward to.",
    ),
    Text(
        "Fix the washing machines",
        "Two of the three washing machines have been broken for weeks, so people cannot wash "
        "their clothes.",
    ),
    Text(
        "Bigger name badges for staff",
        "The name badges are tiny and it is hard to know who you are talking to. Bigger badges "
        "with job titles would help.",
    ),
    Text(
        "Bus stop closer to the hospital entrance",
        "The nearest bus stop is a long walk up a hill. Asking the bus company to stop at the "
        "entrance would help visitors.",
    ),
    Text(
        "Help to stop smoking",
        "Nicotine patches run out and there is little support to quit. Regular stop smoking "
        "sessions would help.",
    ),
    Text(
        "New mattresses",
        "The mattresses are thin and uncomfortable and people wake up with back ache.",
    ),
    Text(
        "Drinking water fountain in the corridor",
        "There is nowhere to get cold water without asking staff. A water fountain would "
        "help people stay hydrated.",
    ),
    Text(
        "A multi-faith prayer room",
        "There is no space to pray. A room that people of any faith can use would be respectful.",
    ),
    Text(
        "Clocks in the bedrooms",
        "Without a phone it is hard to know the time. A clock in each bedroom would help "
        "people keep track of the day.",
    ),
    Text(
        "Women-only lounge",
        "Some women feel unsafe in the mixed lounge. A separate lounge for women would help "
        "them feel comfortable.",
    ),
    Text(
        "Clearer clinic letters",
        "Letters from the clinic are full of jargon. Plain English letters would help people "
        "understand their care plan.",
    ),
    Text(
        "Feedback after ward round",
        "Decisions from ward round are not always explained. Someone should tell patients what "
        "was decided the same day.",
    ),
    Text(
        "Computer for job searching",
        "People getting ready to leave need to search for jobs and housing. A computer with "
        "internet in the activity room would help.",
    ),
    Text(
        "Bedrooms too hot in summer",
        "The bedrooms get very hot and the windows barely open. Fans or better ventilation "
        "would help people sleep.",
    ),
    Text(
        "Self referral to the recovery college",
        "You need a referral from your care team to join recovery college courses. Letting "
        "people sign up themselves would be simpler.",
    ),
    Text(
        "More staff on night shifts",
        "There are often only two staff at night for the whole ward, which feels unsafe when "
        "things kick off.",
    ),
    Text(
        "Cooking group in the kitchen",
        "A cooking group would teach people to make cheap healthy meals before they go home.",
    ),
    Text(
        "Accessible toilet in outpatients",
        "The outpatient building has no accessible toilet on the ground floor, which is hard "
        "for wheelchair users.",
    ),
    Text(
        "Hairdresser visits",
        "Getting a haircut while in hospital for months is hard. A hairdresser visiting once a "
        "month would help people feel like themselves.",
    ),
    Text(
        "Interpreters booked in advance",
        "Appointments are cancelled because the interpreter was not booked. Booking interpreters "
        "when the appointment is made would stop this.",
    ),
]
