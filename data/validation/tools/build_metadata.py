#!/usr/bin/env python3
"""Write corpus/metadata.csv and provenance.csv from the hand-checked table below.

The table records, for each kept text, the values read from the text or URL
(see the evidence column). The script checks that every headline occurs in the
file (as a whole line, or as the title that follows the stored page's leading
" date YYYY-MM-DD " stamp on the first line), builds article_id, and writes
both CSVs with the csv module (QUOTE_MINIMAL, "\n" line ends), sorted by file.
"""
import csv
import hashlib
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
RETRIEVED = ROOT / "retrieved"
RETRIEVED_ON = "2026-12-01"

STAMP = "the excerpt opens with the stored page's date stamp"

OUTLETS = {
    # outlet_id: (outlet name, outlet_type, outlet evidence, type evidence)
    "tass": ("TASS", "state_media", "the URL is tass.com and the dateline reads \"/TASS/\"",
             "TASS is Russia's state-owned news agency (outside knowledge)"),
    "latestly": ("LatestLY", "digital_native", "the URL is latestly.com (agency-news section, copy credited \"(ANI)\")",
                 "LatestLY is an online-only Indian news site republishing agency copy (outside knowledge)"),
    "the_frontier_post": ("The Frontier Post", "newspaper", "the URL is thefrontierpost.com (copy credited \"MOSCOW (TASS)\")",
                          "The Frontier Post is a Pakistani English-language daily (outside knowledge)"),
    "khaama_press": ("Khaama Press", "digital_native", "the URL is khaama.com",
                     "Khaama Press is an online-only Afghan news agency/site (outside knowledge)"),
    "interfax": ("Interfax", "wire_service", "the URL is interfax.com and the dateline reads \"(Interfax)\"",
                 "Interfax is a privately owned Russian news agency (outside knowledge)"),
    "times_of_islamabad": ("Times of Islamabad", "digital_native", "the URL is timesofislamabad.com",
                           "Times of Islamabad is an online-only Pakistani news site (outside knowledge)"),
    "raha_press": ("Raha Press", "digital_native", "the URL is en.rahapress.af",
                   "Raha Press is an online Afghan news site (outside knowledge; page shows only web chrome such as \"Leave a Reply\")"),
    "afghan_voice_agency": ("Afghan Voice Agency (AVA)", "wire_service", "the URL is avapress.com",
                            "AVA is an Afghan news agency (outside knowledge; the site styles itself \"Afghan Voice Agency(AVA)\")"),
    "sputnik": ("Sputnik", "state_media", "the URL is sputniknews.com and the dateline reads \"MOSCOW (Sputnik)\"",
                "Sputnik belongs to the Russian state media group Rossiya Segodnya (outside knowledge)"),
    "amu_tv": ("Amu TV", "independent", "the URL is amu.tv",
               "Amu TV is an Afghan outlet working from exile after the Taliban takeover (outside knowledge)"),
    "financial_express": ("The Financial Express (India)", "newspaper", "the URL is financialexpress.com",
                          "The Financial Express is an Indian national business daily (outside knowledge)"),
    "hawar_news": ("Hawar News Agency (ANHA)", "wire_service", "the URL is hawarnews.com (English section)",
                   "ANHA is a news agency based in north-east Syria (outside knowledge)"),
    "euobserver": ("EUobserver", "digital_native", "the URL is euobserver.com and the item is signed \"By EUobserver\"",
                   "EUobserver is an online-only Brussels news site (outside knowledge)"),
    "middle_east_monitor": ("Middle East Monitor", "digital_native", "the URL is middleeastmonitor.com",
                            "Middle East Monitor is an online-only London-based news site (outside knowledge)"),
    "the_news": ("The News International", "newspaper", "the URL is thenews.com.pk",
                 "The News International is a Pakistani national daily (Jang Group) (outside knowledge)"),
    "arab_news": ("Arab News (Pakistan edition)", "newspaper", "the URL is arabnews.pk",
                  "Arab News is a Saudi English-language daily; arabnews.pk is its Pakistan edition (outside knowledge)"),
    "pakistan_today": ("Pakistan Today", "newspaper", "the URL is pakistantoday.com.pk",
                       "Pakistan Today is a Pakistani English-language daily (outside knowledge)"),
    "rt": ("RT", "state_media", "the URL is rt.com and the text says \"told RT's Maria Finoshina\" / rt.com newsline",
           "RT is a Russian state-funded broadcaster (outside knowledge)"),
    "toronto_star": ("Toronto Star", "newspaper", "the URL is thestar.com and the page says \"Toronto Star Newspapers Limited\"",
                     "the Toronto Star is a Canadian daily newspaper; the copy is credited \"By The Associated Press\""),
    "seattle_times": ("The Seattle Times", "newspaper", "the URL is seattletimes.com (copy credited \"MOSCOW (AP)\")",
                      "The Seattle Times is a US regional daily newspaper (outside knowledge)"),
    "press_tv": ("Press TV", "state_media", "the URL is presstv.ir",
                 "Press TV is the English channel of Iran's state broadcaster IRIB (outside knowledge)"),
    "ariana_news": ("Ariana News", "commercial_broadcaster", "the URL is ariananews.af and the page shows \"About Ariana News\"",
                    "Ariana News belongs to the private Ariana Television Network of Afghanistan (outside knowledge)"),
    "national_post": ("National Post", "newspaper", "the URL is nationalpost.com (PMN wire section)",
                      "the National Post is a Canadian national daily; the copy is Reuters via Postmedia (outside knowledge)"),
    "business_recorder": ("Business Recorder", "newspaper", "the URL is brecorder.com and the page shows \"Brecorder Logo\"",
                          "Business Recorder is a Pakistani business daily (outside knowledge)"),
    "yahoo_news": ("Yahoo News", "digital_native", "the URL is news.yahoo.com (copy credited \"MOSCOW (AP)\", byline VLADIMIR ISACHENKOV)",
                   "Yahoo News is an online-only portal carrying AP copy (outside knowledge)"),
    "tashkent_times": ("Tashkent Times", "digital_native", "the URL is tashkenttimes.uz",
                       "Tashkent Times is an online-only Uzbek English-language news site (outside knowledge)"),
    "reuters": ("Reuters", "wire_service", "the URL is reuters.com / in.reuters.com and the text carries \"(Reuters)\"",
                "Reuters is an international news agency"),
    "news_central_asia": ("News Central Asia (nCa)", "digital_native", "the URL is newscentralasia.net and the item is labelled \"nCa Report\"",
                          "nCa is an online-only Central Asian news site (outside knowledge)"),
    "newsweek": ("Newsweek", "newspaper", "the URL is newsweek.com",
                 "Newsweek is a US news magazine; newspaper is the closest listed type (its copy here cites the Associated Press)"),
    "india_today": ("India Today", "commercial_broadcaster", "the URL is indiatoday.in",
                    "indiatoday.in is the site of the private India Today group (India Today TV and magazine) (outside knowledge); commercial_broadcaster chosen over newspaper"),
    "mynation": ("MyNation", "digital_native", "the URL is mynation.com",
                 "MyNation is an online-only Indian news site (Asianet group) (outside knowledge)"),
    "hindustan_times": ("Hindustan Times", "newspaper", "the URL is hindustantimes.com",
                        "Hindustan Times is an Indian national daily (outside knowledge)"),
    "swarajya": ("Swarajya", "digital_native", "the URL is swarajyamag.com",
                 "Swarajya is an Indian online-first news and opinion magazine (outside knowledge)"),
    "eurasian_times": ("The EurAsian Times", "digital_native", "the URL is eurasiantimes.com",
                       "The EurAsian Times is an online-only news site (outside knowledge)"),
    "the_tribune": ("The Tribune (India)", "newspaper", "the URL is m.tribuneindia.com and the item is credited \"— TNS\"",
                    "The Tribune is an Indian daily published from Chandigarh (outside knowledge)"),
    "business_standard": ("Business Standard", "newspaper", "the URL is business-standard.com (pti-stories section)",
                          "Business Standard is an Indian national business daily; the copy is PTI's (outside knowledge)"),
    "khaleej_times": ("Khaleej Times", "newspaper", "the URL is khaleejtimes.com",
                      "Khaleej Times is a UAE English-language daily (outside knowledge)"),
    "new_indian_express": ("The New Indian Express", "newspaper", "the URL is newindianexpress.com",
                           "The New Indian Express is an Indian national daily; the copy is \"By Associated Press\""),
    "ahram_online": ("Ahram Online", "state_media", "the URL is english.ahram.org.eg",
                     "Ahram Online is the English site of Egypt's state-owned Al-Ahram group (outside knowledge)"),
    "madhyamam": ("Madhyamam", "newspaper", "the URL is english.madhyamam.com",
                  "Madhyamam is a Kerala daily newspaper; this is its English site (outside knowledge)"),
    "the_khyber_mail": ("The Khyber Mail", "newspaper", "the URL is thekhybermail.com (copy credited \"MOSCOW (Agencies)\")",
                        "The Khyber Mail is a Pakistani English-language daily from Peshawar (outside knowledge)"),
    "gulf_today": ("Gulf Today", "newspaper", "the URL is gulftoday.ae and the title line ends \"- GulfToday\"",
                   "Gulf Today is a UAE English-language daily (outside knowledge)"),
    "philippine_daily_inquirer": ("Philippine Daily Inquirer (INQUIRER.net)", "newspaper", "the URL is newsinfo.inquirer.net",
                                  "the Philippine Daily Inquirer is a Philippine national daily (outside knowledge)"),
    "daily_times": ("Daily Times", "newspaper", "the URL is dailytimes.com.pk",
                    "Daily Times is a Pakistani English-language daily (outside knowledge)"),
}

EVENTS = {
    "moscow_talks_planned_2018": "2018-09-04",
    "moscow_conference_2018": "2018-11-09",
    "intra_afghan_moscow_2019": "2019-02-05",
    "intra_afghan_moscow_may_2019": "2019-05-28",
    "taliban_moscow_visit_sep_2019": "2019-09-13",
    "moscow_taliban_visit_2021": "2021-01-28",
    "extended_troika_moscow_2021": "2021-03-18",
    "taliban_moscow_visit_jul_2021": "2021-07-08",
    "russia_no_rush_recognition_2021_08": "2021-08-17",
    "taliban_government_visit_talks_2021_09": "2021-09-24",
    "extended_troika_moscow_oct_2021": "2021-10-19",
    "moscow_format_2021": "2021-10-20",
    "russia_offers_intra_afghan_talks_2022_01": "2022-01-27",
    "russia_accredits_taliban_envoy_2022_03": "2022-03-31",
    "moscow_format_2022": "2022-11-16",
    "pakistan_skips_moscow_security_meeting_2023_02": "2023-02-09",
    "muttaqi_zhirnov_meeting_2023_07": "2023-07-15",
    "moscow_format_2023": "2023-09-29",
}

# file number: (outlet_id, headline, headline evidence, published, date_precision,
#               published evidence, event, event evidence)
ROWS = {
    1: ("tass", "", "no title line in the excerpt (it opens with the date stamp and the dateline)",
        "2021-10-20", "day", f"{STAMP} \"date 2021-10-20\" and the dateline \"MOSCOW, October 20. /TASS/\"",
        "moscow_format_2021", "Lavrov speaking \"at the Moscow consultations on Afghanistan on Wednesday\"; the date is the dateline's October 20"),
    2: ("tass", "", "no title line in the excerpt (it opens with the date stamp and the dateline)",
        "2023-07-15", "day", f"{STAMP} \"date 2023-07-15\" and the dateline \"DUBAI, July 15. /TASS/\"",
        "muttaqi_zhirnov_meeting_2023_07", "Muttaqi's meeting with ambassador Zhirnov in Kabul as \"reported on Saturday\" (July 15, 2023); the meeting itself may have been slightly earlier"),
    3: ("tass", "", "no title line in the excerpt (it opens with the date stamp and the dateline)",
        "2023-09-29", "day", f"{STAMP} \"date 2023-09-29\" and the dateline \"MOSCOW, September 29. /TASS/\"",
        "moscow_format_2023", "\"The fifth round of Moscow-format consultation on Afghanistan was held on September 29 in Kazan\""),
    4: ("latestly", "", "no title line in the excerpt (it opens with the date stamp and the ANI dateline)",
        "2021-10-20", "day", f"{STAMP} \"date 2021-10-20\" and the dateline \"Moscow [Russia], October 20 (ANI)\"",
        "moscow_format_2021", "Lavrov \"Speaking at the Moscow consultations on Afghanistan on Wednesday\" (October 20)"),
    5: ("the_frontier_post", "Moscow starts talk on contacts with Taliban", "the first line of the excerpt",
        "", "none", "neither text nor URL gives the publication date (only \"on Thursday\")",
        "moscow_format_2021", "Peskov on preparations for the consultations \"scheduled for October 20, 2021\""),
    6: ("khaama_press", "", "no title line in the excerpt (it opens with a blank line and the body)",
        "", "none", "neither text nor URL gives the publication date (the text dates only the meeting)",
        "moscow_format_2022", "talks \"started on Wednesday, November 16\"; year 2022 from \"the last Moscow format meeting in October 2021\""),
    7: ("khaama_press", "", "no title line in the excerpt (it opens with the body)",
        "", "none", "neither text nor URL gives the publication date",
        "russia_offers_intra_afghan_talks_2022_01", "the Russian foreign ministry's offer \"in a weekly press conference\" by \"Alexy Ziatsf\"; year 2022 from \"August 15 last year\"; the day (27 January 2022, Alexey Zaytsev's briefing) is outside knowledge"),
    8: ("interfax", "Russia welcomes intra-Afghan meeting in Moscow - Foreign Ministry", "the title line under the timestamp",
        "2019-02-04", "day", "the text opens \"4 Feb 2019 19:33\" and the dateline reads \"Feb 4 (Interfax)\"",
        "intra_afghan_moscow_2019", "the meeting Moscow plans \"on February 5-6 of this year\""),
    9: ("times_of_islamabad", "Moscow meeting on Afghanistan today", "the first line (repeated on the third line)",
        "2018-11-09", "day", "the URL carries \"09-Nov-2018\"",
        "moscow_conference_2018", "\"Delegations from twelve countries are gathering in Moscow today\" with a Taliban delegation; the day is the URL's 09-Nov-2018"),
    10: ("raha_press", "Lavrov: Russia Advocating For Resolution Of Intra-Afghan", "the title line after the publish/time/category list",
         "2019-02-05", "day", "the text says \"publish: 5 February 2019\"",
         "intra_afghan_moscow_2019", "the two-day \"intra-Afghan\" meeting in Moscow \"which starts Tuesday\" (5 February 2019)"),
    11: ("afghan_voice_agency", "Taliban to attend Russia conference on Afghanistan next month: Moscow", "the title line after \"PublishDate\"",
         "2018-08-22", "day", "the text says \"PublishDate: Wednesday, August 22, 2018 11:54\"",
         "moscow_talks_planned_2018", "\"The meeting will be held in Moscow on September 4\""),
    12: ("sputnik", "Moscow, Kabul Discussing Possible Visit by Taliban Government Delegation, Source Says", "the title line above the timestamp",
         "2021-09-24", "day", "the URL carries 20210924 and the text \"07:46 GMT 24.09.2021\"",
         "taliban_government_visit_talks_2021_09", "a Foreign Ministry source \"told Sputnik on Friday\" (24 September 2021) that a Taliban government visit is being negotiated"),
    13: ("amu_tv", "Moscow Format meeting set for late September in Kazan", "the first line of the excerpt",
         "", "none", "neither text nor URL gives the publication date",
         "moscow_format_2023", "\"the multilateral 'Moscow Format' meeting is scheduled to convene in Kazan on September 29\"; year 2023 from the fifth session after \"their absence from discussions in 2022\""),
    14: ("financial_express", "", "no title line in the excerpt (it opens with the body; \"Agenda of the Moscow Format\" is a subheading)",
         "", "none", "neither text nor URL gives the publication date (only \"Earlier this week (Sept 29, 2023)\")",
         "moscow_format_2023", "the fifth Moscow format gathering in Kazan \"(Sept 29, 2023)\""),
    15: ("hawar_news", "After collapsing talks with Washington …. Taliban in Moscow", "the first line (repeated above the timestamp)",
         "2019-09-14", "day", "the text says \"14 September 2019   08:55\"",
         "taliban_moscow_visit_sep_2019", "Kabulov \"hosted a Taliban delegation in Moscow\" after Trump's September 7 cancellation; the day (13 September) is outside knowledge, as the text notes the date was not revealed"),
    16: ("euobserver", "Russia hosts Taliban at international meeting in Moscow", "the title line under \"Ticker\"",
         "2021-10-21", "day", f"{STAMP} \"date 2021-10-21\"",
         "moscow_format_2021", "\"Russia is hosting the Taliban for talks in Moscow\" with officials from 10 countries; the date is outside knowledge (20 October 2021)"),
    17: ("middle_east_monitor", "", "no title line in the excerpt (it opens with the date stamp and the body)",
         "2019-09-15", "day", f"the URL carries 20190915 and {STAMP} \"date 2019-09-15\"",
         "taliban_moscow_visit_sep_2019", "talks with the Taliban leaders \"in Moscow on Friday\" (13 September 2019)"),
    18: ("the_news", "", "no title line in the excerpt (it opens with the date stamp and the dateline)",
         "2021-10-15", "day", f"{STAMP} \"date 2021-10-15\" and the text says the envoy spoke \"Friday\"",
         "extended_troika_moscow_oct_2021", "Kabulov says the US-China-Pakistan meeting \"would take place on Tuesday\", i.e. 19 October 2021 after Friday 15 October"),
    19: ("the_news", "", "no title line in the excerpt (it opens with the dateline)",
         "", "none", "neither text nor URL gives the publication date (only \"on Friday\")",
         "taliban_moscow_visit_jul_2021", "the Taliban press conference in Moscow during the visit in which \"On Thursday, a Taliban delegation in Moscow met with ... Kabulov\"; the dates (8-9 July 2021) are outside knowledge"),
    20: ("the_news", "Taliban in Russia days after Trump says talks ‘dead’", "the first line of the excerpt",
         "2019-09-14", "day", "the text says \"September 14, 2019\" under \"By News Desk\"",
         "taliban_moscow_visit_sep_2019", "\"A negotiating team from the Taliban arrived Friday in Russia\" (13 September 2019) and consulted Kabulov"),
    21: ("arab_news", "Pakistan turns to Russia for peace in Afghanistan", "the title line, repeated twice above the summary bullets near the end of the excerpt",
         "", "none", "neither text nor URL gives the publication date (only \"on Thursday\" / \"starting on Friday\")",
         "moscow_conference_2018", "\"the second round of Russia-led talks ... starting on Friday\", earlier \"scheduled for September 4\", with the Taliban's Doha office attending"),
    22: ("pakistan_today", "Pakistan not to attend Moscow huddle on Afghanistan: FO", "the first line of the excerpt",
         "2023-02-10", "day", "the URL carries 2023/02/10",
         "pakistan_skips_moscow_security_meeting_2023_02", "the Foreign Office spokesperson \"announced on Thursday\" (9 February 2023, the Thursday before the URL date)"),
    23: ("rt", "Taliban & Afghan delegates seek end to 18yr war at Moscow peace talks boycotted by US-backed Kabul", "the title line under the timestamp",
         "2019-02-05", "day", "the text says \"5 Feb, 2019 23:18\"",
         "intra_afghan_moscow_2019", "Taliban and Afghan delegates meeting in Moscow; Stanikzai spoke \"on Tuesday\" (5 February 2019)"),
    24: ("rt", "", "no title line in the excerpt (a newsline item opening with the date stamp and the body)",
         "2019-05-28", "day", f"the URL is an rt.com newsline item and {STAMP} \"date 2019-05-28\"",
         "intra_afghan_moscow_may_2019", "Taliban officials \"met with Afghan political figures in Moscow on Tuesday\" at the meeting \"marking 100 years of diplomatic ties\""),
    25: ("toronto_star", "Taliban to take part in ‘intra-Afghan’ talks in Moscow", "the title line above \"By The Associated Press\"",
         "2019-02-04", "day", "the URL carries 2019/02/04 and the text \"Mon., Feb. 4, 2019\"",
         "intra_afghan_moscow_2019", "the \"intra-Afghan\" talks in Moscow \"expected on Tuesday\" (5 February 2019)"),
    26: ("seattle_times", "", "no title line in the excerpt (it opens with the date stamp and \"MOSCOW (AP)\")",
         "2018-11-09", "day", f"{STAMP} \"date 2018-11-09\"",
         "moscow_conference_2018", "\"Opening Friday's meeting, Russian Foreign Minister Sergey Lavrov\"; the stamp gives 9 November 2018"),
    27: ("press_tv", "Moscow hosts peace talks between Taliban, Afghan govt.", "the title line under the section path",
         "2018-11-09", "day", "the URL carries 2018/11/09",
         "moscow_conference_2018", "the caption \"Lavrov opens the second Moscow round of Afghanistan peace talks Nov. 9 2018\""),
    28: ("ariana_news", "Moscow Conference on Afghanistan Kicks Off Attended by HPC, Taliban", "the title line under \"Breaking News\"",
         "", "none", "the page shows only \"(Last Updated On: November 9, 2018)\", a last-update date, so published is left empty",
         "moscow_conference_2018", "\"Moscow meeting on Afghanistan kicked off on Friday\" with HPC and Taliban delegations"),
    29: ("ariana_news", "", "no title line in the excerpt (it opens with the date stamp and the update note)",
         "2021-03-17", "day", f"{STAMP} \"date 2021-03-17\" (the page also says \"Last Updated On: March 17, 2021\")",
         "extended_troika_moscow_2021", "\"The Moscow conference ... will be held on March 18\""),
    30: ("national_post", "U.S. says envoy Khalilzad to attend Afghan peace conference in Moscow", "the title text on the first line, after the stamp \"date 2021-03-15\" (stamp not included)",
         "2021-03-15", "day", f"{STAMP} \"date 2021-03-15\"",
         "extended_troika_moscow_2021", "Khalilzad to attend \"a Thursday conference in Moscow\" (18 March 2021)"),
    31: ("national_post", "Russia says Taliban confirms it will join Moscow talks next week", "the title text on the first line, after the stamp \"date 2021-10-15\" (stamp not included)",
         "2021-10-15", "day", f"{STAMP} \"date 2021-10-15\" and Kabulov \"said on Friday\"",
         "moscow_format_2021", "the Taliban confirm attendance \"at the talks next Wednesday\" (20 October 2021)"),
    32: ("business_recorder", "", "no title line in the excerpt (it opens with the date stamp and the body)",
         "2021-03-19", "day", f"{STAMP} \"date 2021-03-19\"",
         "extended_troika_moscow_2021", "\"On the 18th of March, Moscow hosted a regular meeting of the extended Troika\""),
    33: ("business_recorder", "Russia accredits Taliban envoy, voices concern about hardliners", "the title line under \"World\"",
         "2022-03-31", "day", f"{STAMP} \"date 2022-03-31\" and the text \"Reuters 31 Mar, 2022\"",
         "russia_accredits_taliban_envoy_2022_03", "\"Russia has accredited a diplomat from the Taliban\"; the date is the report's 31 Mar 2022 (Lavrov's announcement that day is outside knowledge)"),
    34: ("yahoo_news", "Taliban visit Moscow to say their wins don't threaten Russia", "the title text on the first line, after the stamp \"date 2021-07-08\" (stamp not included)",
         "2021-07-08", "day", f"{STAMP} \"date 2021-07-08\"",
         "taliban_moscow_visit_jul_2021", "\"A delegation of the Taliban visited Moscow on Thursday, July 8, 2021\" (photo caption)"),
    35: ("tashkent_times", "", "no title line in the excerpt (it opens with the site's current-date line and the body)",
         "", "none", "the line \"Wednesday, 06, December, 2023\" is the site's current-date chrome, not the publication date",
         "taliban_moscow_visit_jul_2021", "\"during consultations in Moscow on July 8\"; year 2021 is outside knowledge"),
    36: ("reuters", "", "no title line in the excerpt (it opens with the date stamp and a photo caption)",
         "2018-11-09", "day", f"{STAMP} \"date 2018-11-09\"",
         "moscow_conference_2018", "the caption \"multilateral peace talks on Afghanistan in Moscow, Russia November 9, 2018\""),
    37: ("reuters", "Russia says no rush to recognise Taliban, calls for inclusive government", "the title line under the site banner",
         "2021-08-17", "day", "the URL carries 2021-08-17 and the dateline \"MOSCOW, Aug 17 (Reuters)\"",
         "russia_no_rush_recognition_2021_08", "Lavrov \"said on Tuesday\", dateline Aug 17"),
    38: ("news_central_asia", "", "no title line in the excerpt (it opens with the label \"nCa Report\")",
         "2023-09-29", "day", "the URL carries 2023/09/29",
         "moscow_format_2023", "\"On 29 September 2023, the 5th meeting of the Moscow format ... was held in Kazan\""),
    39: ("newsweek", "Russia Sending Humanitarian Aid to Afghanistan As Nation Hosts Taliban for Talks", "the first line of the excerpt",
         "", "none", "neither text nor URL gives the publication date (only \"a Wednesday meeting\")",
         "moscow_format_2021", "\"a Wednesday meeting with senior representatives of the Taliban and neighboring nations in Moscow\"; the date (20 October 2021) is outside knowledge"),
    40: ("india_today", "", "no title line in the excerpt (it opens with the date stamp and a photo caption)",
         "2021-10-21", "day", f"the URL carries 2021-10-21 and {STAMP} \"date 2021-10-21\"",
         "moscow_format_2021", "the India-Taliban meeting \"On the sidelines of the third meeting of the Moscow Format\" \"on Wednesday\""),
    41: ("mynation", "", "no title line in the excerpt (the first line is the standfirst)",
         "", "none", "the page shows only \"Last Updated Nov 9, 2018, 3:16 PM IST\", a last-update date, so published is left empty",
         "moscow_conference_2018", "\"a meeting in Moscow on November 9 on Afghanistan\""),
    42: ("hindustan_times", "", "no title line in the excerpt (it opens with the body)",
         "2021-10-14", "inferred_day", "the MEA \"on Thursday said India will participate in the Moscow Format meeting on October 20\": the Thursday before 20 October 2021 is 14 October (the URL id 101634219423530 embeds Unix time 1634219423 = 2021-10-14, outside knowledge of the URL scheme)",
         "moscow_format_2021", "\"the Moscow Format meeting on October 20, the first after the Taliban takeover\""),
    43: ("swarajya", "", "no title line in the excerpt (it opens with the body)",
         "", "none", "neither text nor URL gives the publication date (the text dates only the MEA clarification \"on Friday (9 November)\")",
         "moscow_conference_2018", "India at the \"Moscow format of talks on Afghanistan\" \"on Friday (9 November)\" with Stanakzai's delegation"),
    44: ("eurasian_times", "India Confirms Meeting Taliban in Moscow For Afghan Peace Process", "the first line of the excerpt",
         "", "none", "neither text nor URL gives the publication date",
         "moscow_conference_2018", "\"the second meeting ... will be held in Moscow on November 9\" with a Taliban delegation"),
    45: ("the_tribune", "India to attend Taliban talks, at ‘non-official’ level", "the first line of the excerpt",
         "2018-11-08", "inferred_day", "the dateline \"New Delhi, November 8\" gives day and month; the year follows from the Moscow talks \"for the second time on Friday\" (the conference of Friday 9 November 2018)",
         "moscow_conference_2018", "Russia hosting the discussion \"for the second time on Friday\", postponed from September"),
    46: ("business_standard", "", "no title line in the excerpt (it opens with the body)",
         "2018-11-09", "inferred_day", "\"India Friday attended ... a conference ... hosted by Russia\": that Friday is 9 November 2018 (the URL id 118110901186 matches Business Standard's YYMMDD scheme, outside knowledge)",
         "moscow_conference_2018", "the Moscow conference attended by the Taliban and India's non-official delegation, opened by Lavrov"),
    47: ("khaleej_times", "Russia to invite Taliban to international talks in Moscow on October 20", "the title text on the first line, after the stamp \"date 2021-10-07\" (stamp not included)",
         "2021-10-07", "day", f"{STAMP} \"date 2021-10-07\" and Kabulov \"said Thursday\"",
         "moscow_format_2021", "\"international talks on Afghanistan scheduled for October 20 in Moscow\""),
    48: ("new_indian_express", "Russia in 'no rush' to recognise Taliban government, says Foreign Minister Sergey Lavrov", "the title line under \"STOCK MARKET BSE NSE\"",
         "2021-08-17", "day", "the URL carries 2021/aug/17",
         "russia_no_rush_recognition_2021_08", "Lavrov \"on Tuesday\" said Moscow was \"in no rush\" (17 August 2021, from the URL)"),
    49: ("ahram_online", "Russia hosts Afghan peace conference, hoping to boost talks", "the first line of the excerpt",
         "2021-03-18", "day", "the text says \"AP , Thursday 18 Mar 2021\"",
         "extended_troika_moscow_2021", "\"Russia hosted a peace conference for Afghanistan on Thursday\"; caption \"in Moscow on March 18, 2021\""),
    50: ("madhyamam", "India going for talks with Taliban for first time", "the title line (it appears three times in the page chrome and heading)",
         "2018-11-09", "day", "the URL carries 2018/nov/9",
         "moscow_conference_2018", "\"a meeting in Moscow on November 9 on Afghanistan\""),
    51: ("the_khyber_mail", "", "no title line in the excerpt (it opens with \"MOSCOW (Agencies)\" and the body)",
         "", "none", "neither text nor URL gives the publication date",
         "moscow_format_2023", "the Moscow format gathering in Kazan, \"the fifth meeting\", after the fourth \"in November 2022\"; the date (29 September 2023) is outside knowledge"),
    52: ("gulf_today", "Russia hosts Afghan talks, recognises Taliban ‘efforts’", "the title line (also in the first line with \"- GulfToday\")",
         "2021-10-20", "day", "the URL carries 2021/10/20",
         "moscow_format_2021", "Lavrov \"on Wednesday recognised Taliban 'efforts'\" as Moscow hosted the talks"),
    53: ("philippine_daily_inquirer", "", "no title line in the excerpt (it opens with \"MOSCOW —\" and the body)",
         "", "none", "neither text nor URL gives the publication date (only \"on Wednesday\")",
         "moscow_format_2021", "\"Russia hosts the Taliban for talks in Moscow on Wednesday\" with officials from 10 countries; the date (20 October 2021) is outside knowledge"),
    54: ("daily_times", "", "no title line in the excerpt (it opens with the date stamp and the body)",
         "2021-01-28", "day", f"{STAMP} \"date 2021-01-28\"",
         "moscow_taliban_visit_2021", "the Taliban political office's delegation \"met senior Russian officials in Moscow\"; Kabulov \"held consultations\" with it"),
}

HEADER = ["file", "article_id", "outlet", "outlet_id", "outlet_type", "headline", "published",
          "date_precision", "event", "event_date", "evidence"]
PROV_HEADER = ["file", "url", "outlet_id", "published", "retrieved", "query", "rank", "excerpt_sha256"]
STAMP_RE = re.compile(r"^ date \d{4}-\d{2}(-\d{2})? ")


def headline_ok(text: str, headline: str) -> bool:
    lines = [ln.strip() for ln in text.split("\n")]
    if headline in lines:
        return True
    first = text.split("\n", 1)[0]
    m = STAMP_RE.match(first)
    return bool(m) and first[m.end():].strip() == headline


def main() -> None:
    rows, prov, used_ids = [], [], {}
    for n in sorted(ROWS):
        (oid, headline, h_ev, published, prec, p_ev, event, e_ev) = ROWS[n]
        fname = f"val_{n:03d}.txt"
        raw = (CORPUS / fname).read_bytes()
        text = raw.decode("utf-8")
        rec = json.loads((RETRIEVED / f"val_{n:03d}.json").read_text(encoding="utf-8"))
        outlet, otype, o_ev, t_ev = OUTLETS[oid]
        if headline:
            assert headline_ok(text, headline), (fname, headline)
        assert (published == "") == (prec == "none"), fname
        event_date = EVENTS[event]
        base = f"{oid}-{published or event_date}"
        k = used_ids.get(base, 0) + 1
        used_ids[base] = k
        article_id = base if k == 1 else f"{base}-{k}"
        evidence = "; ".join([
            f"outlet: {o_ev}",
            f"outlet_id: snake_case slug of \"{outlet}\"",
            f"outlet_type: {t_ev}",
            f"headline: {h_ev}",
            f"published: {p_ev}",
            f"date_precision: {prec}" + (" (full date in text or URL)" if prec == "day" else
                                         " (derived from a weekday or partial date plus a dated event)" if prec == "inferred_day" else
                                         " (no publication date established)"),
            f"event: {e_ev}",
            f"event_date: {event_date}" + (" (the brief's date for this event)" if event in {
                "moscow_talks_planned_2018", "moscow_conference_2018", "intra_afghan_moscow_2019",
                "intra_afghan_moscow_may_2019", "taliban_moscow_visit_sep_2019", "moscow_taliban_visit_2021",
                "extended_troika_moscow_2021", "taliban_moscow_visit_jul_2021", "moscow_format_2021",
                "moscow_format_2022", "moscow_format_2023"} else " (date of what the report covers, as stated in the event clause)"),
        ])
        rows.append([fname, article_id, outlet, oid, otype, headline, published, prec, event, event_date, evidence])
        prov.append([fname, rec["url"], oid, published, RETRIEVED_ON, rec["query"], rec["rank"],
                     hashlib.sha256(raw).hexdigest()])
    with open(CORPUS / "metadata.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)
    with open(ROOT / "provenance.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(PROV_HEADER)
        w.writerows(prov)
    print(f"wrote {len(rows)} metadata rows and {len(prov)} provenance rows")


if __name__ == "__main__":
    main()
