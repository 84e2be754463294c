#!/usr/bin/env python3
"""Per-reading logistic regression on Room 1 (analysis aid, no engine): which inputs and labels carry the exits.

Features per reading, computed causally per trial: the three axes, (rssi + 58) / 5, antenna one-hot, CategoryAge of
the 4 antennas; mode "act" adds Activity of each axis (a = a·exp(-dt/tau) + |dx|, input ln(1 + 4a)) for each tau in
TAUS; "diff" adds the axes' differences; "WnN" in the mode (e.g. actW3) labels y = out of bed at some reading within
N s instead of now. Trained with balanced weights (SGD, 6 epochs, seed 1) on the calibration half, the threshold chosen
by detection F1 on the calibration half (alert rule: ArmReadings 10, clear at half the threshold, cooldown 30 s),
scored on the other half, both directions summed (the protocol's halves).
usage: logit_proto.py MODE [TAUS e.g. 2 or 1,5] [EW: weight of readings in [exit, exit + 5 s], default 1]
"""
import csv, collections, math, random, sys
D="../shared/data/bed_exit/"
tr=collections.OrderedDict()
for r in csv.DictReader(open(D+"torres_rfid_room1_trials.csv")): tr.setdefault(r["trial_id"],[]).append(r)
ev=collections.defaultdict(list)
for r in csv.DictReader(open(D+"torres_rfid_room1_bed_exit_events.csv")): ev[r["trial_id"]].append(float(r["first_out_of_bed_time_s"]))
names=list(tr); HALF={"A":(names[:30],names[30:]),"B":(names[30:],names[:30])}
TAUS=[float(x) for x in sys.argv[2].split(",")] if len(sys.argv)>2 else [2.0]
def feats(k, mode):
    out=[]; last={}; prev=None; act=[0.0]*3*len(TAUS); tprev=None
    for r in tr[k]:
        t=float(r["time_s"]); x=[float(r["acc_frontal_g"]),float(r["acc_vertical_g"]),float(r["acc_lateral_g"])]
        a=r["antenna_id"]; last[a]=t
        f=x+[(float(r["rssi"])+58)/5]+[1.0 if a==c else 0.0 for c in "1234"]+[0 if c not in last else 1/(1+t-last[c]) for c in "1234"]
        if "act" in mode:
            dt=0 if tprev is None else t-tprev
            for i,tau in enumerate(TAUS):
                for j in range(3):
                    d=0 if prev is None else abs(x[j]-prev[j])
                    act[3*i+j]=act[3*i+j]*math.exp(-dt/tau)+d
            f+= [math.log1p(4*v) for v in act]
        if "diff" in mode:
            f+= [0 if prev is None else x[j]-prev[j] for j in range(3)]
        prev=x; tprev=t
        out.append((t,f,1 if r["in_bed"]=="0" else 0, 1.0 if not any(e<=t<=e+5 for e in ev[k]) else EW))
    W=float(mode.split("W")[1]) if "W" in mode else 0
    if W>0:
        res=[]; 
        for i,(t,f,y) in enumerate(out):
            yy=y; j=i+1
            while not yy and j<len(out) and out[j][0]<=t+W: yy=out[j][2]; j+=1
            res.append((t,f,yy,1.0))
        out=res
    return out
def train(keys, mode, seed):
    rows=[z for k in keys for z in feats(k,mode)]
    n=len(rows[0][1]); w=[0.0]*(n+1); pos=sum(z[2] for z in rows); wpos=(len(rows)-pos)/pos
    rnd=random.Random(seed); lr=0.05
    for ep in range(6):
        rnd.shuffle(rows)
        for _,f,y,wt in rows:
            s=w[n]+sum(wi*fi for wi,fi in zip(w,f)); p=1/(1+math.exp(-max(-30,min(30,s))))
            g=(p-y)*(wpos if y else 1)*wt
            for i in range(n): w[i]-=lr*g*f[i]
            w[n]-=lr*g
        lr*=0.6
    return w
def alerts(keys, mode, w, thr, arm=10, cd=30):
    n=len(w)-1; out={}
    for k in keys:
        ts=[]; off=arm; lastr=-1e18; raised=False
        for t,f,_,_ in feats(k,mode):
            s=w[n]+sum(wi*fi for wi,fi in zip(w,f)); p=1/(1+math.exp(-max(-30,min(30,s))))
            if raised:
                if p<thr/2: raised=False; off=1
                continue
            if p>=thr and off>=arm and t-lastr>=cd: ts.append(t); lastr=t; raised=True
            off= off+1 if p<thr/2 else 0
        out[k]=ts
    return out
def score(keys, al):
    na=nt=ne=nd=0; h=0
    for k in keys:
        e=ev[k]; h+=(float(tr[k][-1]["time_s"])-float(tr[k][0]["time_s"]))/3600
        for t in al[k]: na+=1; nt+=any(t-5<=x<=t+15 for x in e)
        for x in e: ne+=1; nd+=any(x-15<=t<=x+5 for t in al[k])
    return [na,nt,ne,nd,h]
def f1(s):
    p=s[1]/s[0] if s[0] else 0; r=s[3]/s[2]; return 0 if p+r==0 else 2*p*r/(p+r)
mode=sys.argv[1]
EW=float(sys.argv[3]) if len(sys.argv)>3 else 1.0
tot=[0]*5
for fold,(cal,test) in HALF.items():
    w=train(cal,mode,1)
    best=max(((f1(score(cal,alerts(cal,mode,w,t))),t) for t in [0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.95]))
    s=score(test,alerts(test,mode,w,best[1])); tot=[a+b for a,b in zip(tot,s)]
    print(mode,fold,"thr",best[1],"calF1 %.3f"%best[0],"alerts",s[0],"true",s[1],"det",s[3],"/",s[2])
print(mode,"BOTH P %.3f R %.3f FA/h %.2f"%(tot[1]/tot[0],tot[3]/tot[2],(tot[0]-tot[1])/tot[4]))
